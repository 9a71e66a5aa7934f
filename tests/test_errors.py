"""Diagnostics: one folder of bad input per diagnostic, with its exact message; the table of codes kept true.

A case is tests/cases/invalid/<case>/: a tiny project with one defect, `expected.txt` with the lines bookforge
prints for it, optionally `args.txt` (the command line after `bookforge`, run in a folder holding the case as
`project/`; `build -C project -o out -j 1` when absent) and `xfail.txt` (why bookforge does not say it yet).
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bookforge.cli import main
from bookforge.errors import CODES
from tests.books import REPO

CASES = REPO / "tests" / "cases" / "invalid"
DEFAULT_ARGS = "build -C project -o out -j 1"
DIAGNOSTIC_LINE = re.compile(r"^(.*?: )?(error|warning)\[[a-z0-9-]+\]: |^    hint: ")
# Codes whose defect is no tiny project: where each is tested instead.
TESTED_ELSEWHERE = {
    "font-fallback": "tests/test_security_svg.py (a drawing's text in a font the layout does not ship)",
    "file-too-large": "tests/manuscript/test_limits.py (a 50 MB file)",
    "text-too-long": "tests/manuscript/test_limits.py (a 1 MB paragraph)",
    "too-many-entries": "tests/manuscript/test_limits.py (1,000 entries)",
    "too-many-parts": "tests/manuscript/test_limits.py (300 items)",
    "too-many-types": "tests/manuscript/test_limits.py (101 entry types)",
    "too-many-fields": "tests/manuscript/test_limits.py (41 fields in one type)",
    "book-too-large": "tests/manuscript/test_limits.py (4 MB of manuscript)",
    "file-unreadable": "tests/manuscript/test_load.py (a file open() refuses)",
    "bad-environment": "tests/build/test_build.py (SOURCE_DATE_EPOCH)",
    "build-running": "tests/build/test_build.py (a build holds the lock)",
    "cannot-write": "tests/build/test_output.py (a read-only folder)",
    "cannot-read": "tests/build/test_output.py (a permission lost mid-build)",
    "disk-full": "tests/build/test_output.py (a file size limit)",
    "not-followed": "tests/build/test_security_build_folder.py (links in build/)",
    "pdf-render": "tests/build/test_build.py (WeasyPrint's warnings about a stylesheet, under --strict)",
    "no-catalogue": "tests/test_catalogue.py (a folder without catalogue.yaml)",
    "task-failed": "tests/test_catalogue.py (a task lost for a reason outside the book)",
    "no-books": "tests/test_catalogue.py (mistakes in catalogue.yaml)",
    "book-missing": "tests/test_catalogue.py (mistakes in catalogue.yaml)",
    "duplicate-book": "tests/test_catalogue.py (mistakes in catalogue.yaml)",
    "folder-missing": "tests/test_catalogue.py (mistakes in catalogue.yaml)",
    "not-a-file": "tests/test_security_files.py (a folder and a pipe named as files)",
    "not-a-font": "tests/test_security_files.py (a text file named .otf)",
    "unsafe-markup": "tests/test_security_markup.py (scripts, frames, handlers...)",
    "template-limit": "tests/test_security_budgets.py (ranges, strings, numbers, recursion)",
    "template-budget": "tests/test_security_budgets.py (a time budget made small)",
    "layout-budget": "tests/test_security_budgets.py (a layout budget made small)",
    "front-matter": "tests/render/test_prose.py (a Markdown chapter whose front matter is never closed)",
    "footnote-moved": "tests/test_prose_book.py (only WeasyPrint decides when a note moves)",
    "bookforge-bug": "tests/preview/test_preview.py (a failure inside bookforge)",
    "import-source": "tests/importing/test_hostile.py (a kind of file bookforge does not import)",
    "import-archive": "tests/importing/test_hostile.py (a file that is not a ZIP, a member that lies about its size)",
    "archive-bomb": "tests/importing/test_hostile.py (compression bombs, huge members, too many members)",
    "archive-path": "tests/importing/test_hostile.py (members named `..`, absolute, with a drive)",
    "xml-entity": "tests/importing/test_hostile.py (entity declarations in an EPUB and a Word document)",
    "import-simplified": "tests/importing/test_convert.py (what the manuscript cannot say, reported at its place)",
    "cover-overflow": "tests/print/test_covers.py (a description too long for the back cover at any size)",
    "cover-image": "tests/print/test_author_cover.py (cover art too small for the stores or the press)",
    "cover-wrap": "tests/print/test_author_cover.py (a finished wrap of the wrong width, a wrap that is no PDF); "
                  "tests/test_security_cover.py (a wrap carrying scripts or actions)",
}


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


def _codes_in_source() -> dict[str, str]:
    """{code: where it is first used} for every `Diagnostic("code", ...)` in src/ (the code as a literal)."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "src" / "bookforge").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == \
                    "Diagnostic" and node.args and isinstance(node.args[0], ast.Constant):
                found.setdefault(node.args[0].value, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_every_code_in_the_source_is_in_the_table_and_every_table_code_is_used():
    used = _codes_in_source()
    assert len(used) > 40  # the scan finds them
    assert {code: where for code, where in used.items() if code not in CODES} == {}, "add them to errors.CODES"
    assert sorted(set(CODES) - set(used)) == [], "codes no longer used: remove them from errors.CODES"


def test_every_code_has_a_case_folder_or_a_test_that_says_where():
    in_cases = {match for path in CASES.glob("*/expected.txt")
                for match in re.findall(r"(?:error|warning)\[([a-z0-9-]+)\]", path.read_text(encoding="utf-8"))}
    missing = sorted(set(CODES) - in_cases - set(TESTED_ELSEWHERE))
    assert missing == [], "add a case folder under tests/cases/invalid/ for each"
    assert sorted(in_cases & set(TESTED_ELSEWHERE)) == [], "has a case folder now: remove it from TESTED_ELSEWHERE"
    for code, where in TESTED_ELSEWHERE.items():
        test_file = REPO / where.split(" ")[0]
        assert f"[{code}]" in test_file.read_text(encoding="utf-8") or f'"{code}"' in test_file.read_text(
            encoding="utf-8"), (code, where)
