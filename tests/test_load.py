"""Loading the manuscript: the sample book's model, and one folder of bad input per diagnostic."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pydantic
import pytest
from click.testing import CliRunner

from bookforge.cli import main
from bookforge.errors import BookforgeError
from bookforge.manuscript.load import load_book
from bookforge.manuscript.yamlfile import parse_yaml

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).parent / "cases" / "invalid"
DIAGNOSTIC_LINE = re.compile(r"^(\S+: )?(error|warning)\[[a-z0-9-]+\]: |^    hint: ")

@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_invalid_project_is_reported_without_writing(case: Path, tmp_path: Path):
    # A copy, with the sample's fonts: the layout stage needs them, and the repository stays untouched.
    project = tmp_path / "project"
    shutil.copytree(case, project, ignore=shutil.ignore_patterns("expected.txt", "args.txt"))
    shutil.copytree(REPO / "assets", project / "assets", dirs_exist_ok=True)  # a case may bring its own images
    output = tmp_path / "out"
    args_file = case / "args.txt"
    extra = args_file.read_text(encoding="utf-8").split() if args_file.exists() else []

    result = CliRunner().invoke(main, ["build", "-C", str(project), "-o", str(output), *extra])

    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    diagnostics = [line for line in result.stderr.splitlines() if DIAGNOSTIC_LINE.match(line)]
    assert diagnostics == expected
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    problems = sum(1 for line in expected if not line.startswith(" "))
    assert f"bookforge: {problems} problem{'s' if problems != 1 else ''}; nothing was written." in result.stderr
    assert not output.exists() or not any(output.iterdir())


def test_every_case_has_one_defect_and_an_expected_message():
    for case in CASES.iterdir():
        assert (case / "manuscript").is_dir(), case.name
        expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        errors = [line for line in expected if not line.startswith(" ")]
        assert len(errors) == 1 or case.name.startswith("several-"), case.name


# --- the sample book ---------------------------------------------------------------------------------------------

def test_sample_book_has_its_chapters_and_back_matter(sample_project: Path):
    book = load_book(sample_project)

    assert [(part.kind, part.role) for part in book.parts] == [
        ("title-page", "front"), ("copyright-page", "front"), ("table-of-contents", "front"),
        ("chapter", "body"), ("chapter", "body"), ("chapter", "back")]
    assert [chapter.source for chapter in book.chapters] == [
        "manuscript/01-memorable-scenes.yaml", "manuscript/02-behind-the-scenes.yaml",
        "manuscript/about-this-book.yaml"]
    assert book.chapters[2].title == "About This Book"
    assert list(book.editions) == ["ebook", "paperback", "large-print", "pocket"]


def test_sample_book_has_19_scenes_and_23_notes(sample_project: Path):
    entries = [entry for chapter in load_book(sample_project).chapters for entry in chapter.entries]

    assert sum(entry.type == "scene" for entry in entries) == 19
    assert sum(entry.type == "note" for entry in entries) == 23
    assert len(entries) == 42


def test_every_entry_knows_the_file_and_line_it_starts_on(sample_project: Path):
    for chapter in load_book(sample_project).chapters:
        lines = (sample_project / chapter.source).read_text(encoding="utf-8").splitlines()
        for entry in chapter.entries:
            where = entry.location
            assert where.file == chapter.source
            assert lines[where.line - 1][where.column - 1:] == f"type: {entry.type}"


def test_every_part_and_field_knows_where_book_yaml_names_it(sample_project: Path):
    book = load_book(sample_project)
    lines = (sample_project / "manuscript" / "book.yaml").read_text(encoding="utf-8").splitlines()

    assert [lines[part.location.line - 1].strip() for part in book.parts] == [
        "- title-page", "- copyright-page", "- table-of-contents", "- chapter: 01-memorable-scenes.yaml",
        "- chapter: 02-behind-the-scenes.yaml", "- backmatter: about-this-book.yaml"]
    layout_at = book.editions["paperback"].location_of("layout")
    assert lines[layout_at.line - 1][layout_at.column - 1:] == "paperback"


def test_the_model_is_immutable(sample_project: Path):
    book = load_book(sample_project)
    entry = book.chapters[0].entries[0]

    with pytest.raises(pydantic.ValidationError):
        entry.title = "Changed"
    with pytest.raises(pydantic.ValidationError):
        book.metadata.title = "Changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        book.parts[0].id = "changed"
    with pytest.raises(TypeError):
        book.chapters[0].entries[0] = entry  # type: ignore[index]


# --- reading YAML ------------------------------------------------------------------------------------------------

def test_a_byte_order_mark_and_windows_line_ends_are_read(sample_project: Path):
    chapter = sample_project / "manuscript" / "01-memorable-scenes.yaml"
    chapter.write_bytes(b"\xef\xbb\xbf" + chapter.read_bytes().replace(b"\n", b"\r\n"))

    book = load_book(sample_project)

    first = book.chapters[0]
    assert first.title == "Memorable Scenes from Movie A Million Miles Away"
    assert first.entries[0].location.line == 5
    assert "\r" not in first.entries[0].text


def test_text_is_nfc_normalised():
    decomposed = "title: Jose\u0301\ntext: \"Jose\u0301\"\n".encode()

    doc = parse_yaml(decomposed, "manuscript/x.yaml")

    assert doc.data == {"title": "Jos\u00e9", "text": "Jos\u00e9"}


def test_numbers_where_text_is_expected_are_read_as_written(sample_project: Path):
    book_yaml = sample_project / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text(encoding="utf-8")
                         .replace('date: "2026-11-25"', "date: 2026")
                         .replace("title: A Million Miles Away", "title: 1984"), encoding="utf-8")

    metadata = load_book(sample_project).metadata

    assert (metadata.title, metadata.date) == ("1984", "2026")


def test_a_recursive_alias_is_refused_not_followed():
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(b"a: &loop\n  - *loop\n", "x.yaml")

    assert [str(d) for d in caught.value.diagnostics] == [
        "x.yaml:2:5: error[yaml-alias]: YAML aliases (*name) and anchors (&name) are not allowed\n"
        "    hint: write the text out in full where it is needed"]
