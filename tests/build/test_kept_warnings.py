"""A warning belongs to the output its build made: a later build that keeps the output (up to date) reports it
again, `--strict` fails on it, `bookforge check` counts it and report.json lists it, until the output is rebuilt
without it (issue 15). The warning here is WeasyPrint's skipped CSS (`pdf-render`), which any stylesheet makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bookforge.build.orchestrate import build
from bookforge.errors import BookforgeError
from tests.books import tiny_project, write_layout

BAD_CSS = ".entry-title { colr: red; }\n"
GOOD_CSS = ".entry-title { color: red; }\n"


def _project(folder: Path, css: str) -> Path:
    root = tiny_project(folder, print_layout="press")
    write_layout(root, "press", "extends: print\nformat: pdf\n", {"styles/press.css": css})
    return root


def _report_warnings(output: Path) -> list[str]:
    report = json.loads((output / "report.json").read_text(encoding="utf-8"))
    return [warning for edition in report["editions"] for warning in edition["warnings"]]


@pytest.mark.expect_warnings("pdf-render")
def test_a_kept_output_keeps_its_warnings_until_a_build_without_them(tmp_path: Path, cli):
    root, output = _project(tmp_path / "book", BAD_CSS), tmp_path / "out"

    (made,) = build(root, ["paperback"], output)
    assert made.rebuilt and [w.code for w in made.warnings] == ["pdf-render"]

    (kept,) = build(root, ["paperback"], output)
    assert not kept.rebuilt
    assert kept.warnings == made.warnings  # code, message, file, line and hint, as the build that made it said
    assert [w for w in _report_warnings(output) if "pdf-render" in w and "colr" in w]

    with pytest.raises(BookforgeError) as failed:
        build(root, ["paperback"], output, strict=True)
    assert failed.value.diagnostics == made.warnings
    assert kept.path.read_bytes() == made.path.read_bytes()  # the output stays; only the verdict changed

    command = cli("build", "-C", root, "-o", output, "--strict", "paperback")
    assert command.exit_code == 1 and "warning[pdf-render]" in command.stderr

    checked = cli("check", "-C", root, "-o", output, "paperback")
    assert checked.exit_code == 1, checked.output
    assert "paperback: bookforge build: warning:" in checked.stderr and "colr" in checked.stderr
    assert "no problems found" not in checked.stdout

    (root / "layouts" / "press" / "styles" / "press.css").write_text(GOOD_CSS)
    (fixed,) = build(root, ["paperback"], output)
    assert fixed.rebuilt and fixed.warnings == ()
    (again,) = build(root, ["paperback"], output, strict=True)
    assert not again.rebuilt and again.warnings == ()
    assert _report_warnings(output) == []


@pytest.mark.expect_warnings("pdf-render")
def test_force_rebuilds_and_records_the_warnings_anew(tmp_path: Path):
    root, output = _project(tmp_path / "book", BAD_CSS), tmp_path / "out"
    build(root, ["paperback"], output)
    (forced,) = build(root, ["paperback"], output, force=True)
    assert forced.rebuilt and [w.code for w in forced.warnings] == ["pdf-render"]
    (kept,) = build(root, ["paperback"], output)
    assert not kept.rebuilt and kept.warnings == forced.warnings
