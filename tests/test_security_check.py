"""`bookforge check` runs bookforge's own validators, never a program or configuration a book project supplies.

A book project received from someone else may carry programs and configuration files for the tools `check` runs
(DAISY Ace through node and puppeteer, EPUBCheck through Java, qpdf), and the shell that runs bookforge may carry
variables that configure them. Every one of them here writes a marker file if it is ever run; none may be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bookforge import check
from tests.books import REPO
from tests.conftest import copy_project

MARKERS = "markers"


def _marker(project: Path, name: str) -> Path:
    return project / MARKERS / name


def _script(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n")
    path.chmod(0o755)


def _js(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"require('fs').writeFileSync({str(marker)!r}, 'ran');\nmodule.exports = {{}};\n")


def hostile_project(root: Path) -> tuple[Path, dict[str, str]]:
    """The sample book with programs and tool configuration of its own, and an environment that points at them."""
    project = copy_project(REPO, root)
    (project / MARKERS).mkdir()
    # Programs a tool lookup might find in the project: Ace in its node_modules, anything on a PATH entry that is
    # relative (the working folder is the project) or inside the project.
    _script(project / "node_modules" / ".bin" / "ace-cli", _marker(project, "project-ace-cli"))
    _js(project / "node_modules" / "@daisy" / "ace-cli" / "bin" / "ace.js", _marker(project, "project-ace-js"))
    for tool in ("java", "qpdf", "node", "chromium", "ace-cli"):
        _script(project / "bin" / tool, _marker(project, f"path-{tool}"))
        _script(project / "tools" / tool, _marker(project, f"relative-path-{tool}"))
    # Configuration puppeteer (cosmiconfig) loads, as code, from the working folder and above.
    _js(project / ".puppeteerrc.cjs", _marker(project, "puppeteerrc"))
    _js(project / "puppeteer.config.cjs", _marker(project, "puppeteer-config"))
    _js(project / ".config" / "config.cjs", _marker(project, "cosmiconfig-meta"))
    _js(project / ".config" / "puppeteerrc.cjs", _marker(project, "config-puppeteerrc"))
    (project / "package.json").write_text('{"puppeteer": {"executablePath": "%s"}}' % (project / "bin" / "chromium"))
    # Code Node, Java or Python would load if told to by the environment (or, for `python -m`, the working folder).
    _js(project / "evil.js", _marker(project, "node-options"))
    (project / "click.py").write_text(f"open({str(_marker(project, 'python-click'))!r}, 'w').close()\n")
    (project / "epubcheck").mkdir()
    (project / "epubcheck" / "__init__.py").write_text(
        f"open({str(_marker(project, 'python-epubcheck'))!r}, 'w').close()\n")
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(project / "bin"), "tools", ".", os.environ["PATH"]]),
        "NODE_OPTIONS": f"--require={project / 'evil.js'}",
        "NODE_PATH": str(project / "node_modules"),
        "PUPPETEER_EXECUTABLE_PATH": str(project / "bin" / "chromium"),
        "PUPPETEER_CACHE_DIR": str(project / "puppeteer-cache"),
        "npm_config_script_shell": str(project / "bin" / "node"),
        "JAVA_TOOL_OPTIONS": f"-Xlog:os=info:file={_marker(project, 'java-tool-options')}",
        "_JAVA_OPTIONS": f"-Xlog:os=info:file={_marker(project, 'java-options')}",
        "JDK_JAVA_OPTIONS": f"-Xlog:os=info:file={_marker(project, 'jdk-java-options')}",
        "CLASSPATH": str(project),
        "PYTHONPATH": str(REPO / "src"),
    }
    return project, env


def test_check_runs_nothing_the_project_or_the_environment_supplies(tmp_path: Path):
    project, env = hostile_project(tmp_path / "book")
    done = subprocess.run([sys.executable, "-m", "bookforge", "check", "ebook", "paperback"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)
    ran = sorted(p.name for p in (project / MARKERS).iterdir())
    assert ran == [], f"the project's code ran: {ran}\n{done.stderr}"
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = {tuple(line.split()[:2]): line for line in done.stdout.splitlines() if line.startswith("  ")}
    # bookforge's own validators did run, in the environment bookforge made for them.
    for tool in (("ebook", "EPUBCheck"), ("ebook", "Ace"), ("paperback", "PDF")):
        assert "0 errors, 0 warnings" in verdicts[tool], verdicts
    assert "qpdf" in verdicts[("paperback", "PDF")]


def test_a_tool_gets_an_environment_made_by_bookforge_in_an_empty_folder(tmp_path: Path, monkeypatch):
    project, env = hostile_project(tmp_path / "book")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("npm_config_userconfig", str(project / ".npmrc"))
    monkeypatch.setenv("PUPPETEER_BROWSER", "firefox")
    monkeypatch.chdir(project)
    shown = check.run_tool(["/usr/bin/env"], project, {"PUPPETEER_SKIP_DOWNLOAD": "1"})
    given = dict(line.split("=", 1) for line in shown.stdout.splitlines())
    assert not [name for name in given if name.startswith(("NODE_", "npm_", "JAVA", "_JAVA", "JDK_", "CLASSPATH",
                                                            "PYTHON"))], given
    assert [name for name in given if name.startswith("PUPPETEER_")] == ["PUPPETEER_SKIP_DOWNLOAD"]
    assert str(project) not in given["PATH"] and all(os.path.isabs(p) for p in given["PATH"].split(os.pathsep))
    where = check.run_tool(["/bin/sh", "-c", "pwd; ls -A"], project).stdout.split()
    assert where[0] != str(project) and where[1:] == [] and given["HOME"] != os.environ.get("HOME")


@pytest.mark.parametrize("tool", ["java", "qpdf", "node", "chromium"])
def test_a_tool_is_never_found_in_the_project_or_through_a_relative_path(tmp_path: Path, monkeypatch, tool: str):
    project, env = hostile_project(tmp_path / "book")
    monkeypatch.setenv("PATH", env["PATH"])
    monkeypatch.chdir(project)
    found = check.find_tool(tool, project)
    assert found is None or (found.is_absolute() and project not in found.resolve().parents)


def test_ace_is_bookforges_own(tmp_path: Path, monkeypatch):
    project, _ = hostile_project(tmp_path / "book")
    monkeypatch.chdir(project)
    found = check.find_ace()
    assert found is not None and check.PACKAGE_ROOT in found.parents and project not in found.parents
