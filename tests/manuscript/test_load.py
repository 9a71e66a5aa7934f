"""Loading the manuscript: the sample book's model, reading YAML, the files book.yaml names.

Bad input with its exact message: tests/cases/invalid/ (tests/test_errors.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydantic
import pytest

from bookforge.errors import BookforgeError
from bookforge.files import UNREADABLE, Refused, refusal
from bookforge.manuscript.load import load_book
from bookforge.manuscript.yamlfile import parse_yaml, read_yaml
from tests.books import TINY_CHAPTER, load_problems, tiny_project

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


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path):
    with pytest.raises(BookforgeError) as caught:
        read_yaml(tmp_path, "manuscript/01-chapter.yaml")  # a folder where a file should be
    assert [str(d) for d in caught.value.diagnostics] == [
        "manuscript/01-chapter.yaml: error[not-a-file]: `manuscript/01-chapter.yaml` is not a regular file (a folder)"]
    # As root no permission stops a read: the refusal an unreadable file gets is checked as such.
    problem = refusal(Refused(UNREADABLE, "Permission denied"), "manuscript/01-chapter.yaml", None, 1024)
    assert str(problem) == ("manuscript/01-chapter.yaml: error[file-unreadable]: `manuscript/01-chapter.yaml` cannot "
                            "be read: Permission denied")


# --- the files book.yaml names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["/etc/passwd", "link-out.yaml", "loop.yaml"])
def test_a_chapter_path_that_escapes_the_project_is_refused(tmp_path: Path, reference: str):
    (tmp_path / "secret.yaml").write_text(TINY_CHAPTER, encoding="utf-8")
    root = tiny_project(tmp_path / "project", chapters=[reference])
    (root / "manuscript" / "link-out.yaml").symlink_to(tmp_path / "secret.yaml")
    (root / "manuscript" / "loop.yaml").symlink_to(root / "manuscript" / "loop.yaml")

    (found,) = load_problems(root)

    if reference == "loop.yaml":
        assert found.startswith("manuscript/book.yaml:10:14: error[bad-path]: `loop.yaml` cannot be opened")
    else:
        assert found == f"manuscript/book.yaml:10:14: error[path-outside]: `{reference}` is outside the book project"
