"""`bookforge check`: every installed validator on every output, a summary, exit 1 on problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge import check


@pytest.mark.slow
def test_check_runs_epubcheck_ace_and_the_accessibility_audit_on_the_ebook(sample_project: Path, cli):
    result = cli("check", "-C", sample_project, "ebook")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for tool in ("EPUBCheck", "Ace", "accessibility"):
        assert any(line.split()[:2] == ["ebook", tool] and "0 errors, 0 warnings" in line for line in lines), tool
    assert lines[-1] == "bookforge check: no problems found."


def test_ace_violations_are_errors():
    report = {"earl:result": {"earl:outcome": "fail"}, "assertions": [{
        "earl:testSubject": {"url": "chapter.xhtml"},
        "assertions": [{"earl:test": {"earl:impact": "serious", "dct:title": "image-alt"},
                        "earl:result": {"earl:outcome": "fail", "dct:description": "Images must have alt text"}}]}]}
    result = check._ace_result(report, Path("book.epub"), "ebook")
    assert not result.ok
    assert result.errors == ("chapter.xhtml: serious: image-alt: Images must have alt text",)


def test_a_broken_page_list_link_is_an_accessibility_error(built_sample, tmp_path: Path):
    import zipfile

    source = built_sample["ebook"].path
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(broken, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "EPUB/nav.xhtml":
                data = data.replace(b"#page-3\"", b"#page-333\"")
            new.writestr(info, data)
    result = check.accessibility(broken)
    assert "page list: `memorable-scenes.xhtml#page-333` leads nowhere" in result.errors
