"""Diagnostics: one folder of bad input per diagnostic, with its exact message.

A case is tests/cases/invalid/<case>/: a tiny project with one defect, `expected.txt` with the lines bookforge
prints for it, optionally `args.txt` (the command line after `bookforge`, run in a folder holding the case as
`project/`; `build -C project -o out -j 1` when absent) and `xfail.txt` (why bookforge does not say it yet).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bookforge.cli import main
from tests.books import REPO

CASES = REPO / "tests" / "cases" / "invalid"
DEFAULT_ARGS = "build -C project -o out -j 1"
DIAGNOSTIC_LINE = re.compile(r"^(.*?: )?(error|warning)\[[a-z0-9-]+\]: |^    hint: ")


def _cases() -> list[Path]:
    return sorted(path for path in CASES.iterdir() if path.is_dir())


@pytest.mark.parametrize("case", _cases(), ids=lambda path: path.name)
def test_invalid_project_is_reported_without_writing(case: Path, tmp_path: Path, monkeypatch, request):
    if (case / "xfail.txt").exists():
        request.applymarker(pytest.mark.xfail(reason=(case / "xfail.txt").read_text().strip(), strict=True))
    # A copy, with the sample's fonts: the layout stage needs them, and the repository stays untouched.
    project = tmp_path / "project"
    shutil.copytree(case, project, ignore=shutil.ignore_patterns("expected.txt", "args.txt", "xfail.txt"))
    shutil.copytree(REPO / "assets", project / "assets", dirs_exist_ok=True)  # a case may bring its own images
    args_file = case / "args.txt"
    args = args_file.read_text(encoding="utf-8").split() if args_file.exists() else DEFAULT_ARGS.split()
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(main, args)

    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    diagnostics = [line for line in result.stderr.splitlines() if DIAGNOSTIC_LINE.match(line)]
    assert diagnostics == expected
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    problems = sum(1 for line in expected if not line.startswith(" "))
    assert f"bookforge: {problems} problem{'s' if problems != 1 else ''}; nothing was written." in result.stderr
    # Nothing the author would see: no edition's folder, no report (the lock and the cache are the build's own).
    written = (tmp_path / "out").iterdir() if (tmp_path / "out").exists() else ()
    assert [path.name for path in written if not path.name.startswith(".")] == []


def test_every_case_has_one_defect_and_an_expected_message():
    for case in _cases():
        assert (case / "manuscript").is_dir() or (case / "args.txt").is_file(), case.name
        expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        problems = [line for line in expected if not line.startswith(" ")]
        assert len(problems) == 1 or case.name.startswith("several-"), case.name
