"""A part's view (its texts turned into HTML) is kept in the fragment store: an edit converts only the part it
touches again, and what the kept views make is what a render from nothing makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge.build.orchestrate import build
from bookforge.project import load_project
from bookforge.render import matter
from bookforge.render.rendition import render
from tests.books import make


def _edit(root: Path, chapter: str = "02-chapter.yaml") -> None:
    path = root / "manuscript" / chapter
    path.write_text(path.read_text(encoding="utf-8").replace("text: ", "text: Edited *here*. ", 1), encoding="utf-8")


def _documents(root: Path, name: str, fragments: dict[str, str]) -> list[tuple[str, str]]:
    project = load_project(root)
    return [(d.href, d.content) for d in render(project.book, name, project.layouts[name], fragments=fragments).documents]


@pytest.mark.parametrize("edition", ["ebook", "paperback"])
def test_an_edit_converts_only_its_own_part_again(tmp_path: Path, monkeypatch, edition: str):
    root = make(tmp_path / "book", words=2400, chapters=4)
    fragments: dict[str, str] = {}
    before = _documents(root, edition, fragments)
    _edit(root)
    converted: list[str] = []
    convert = matter.chapter_content
    monkeypatch.setattr(matter, "chapter_content", lambda part, *args: converted.append(part.id) or
                        convert(part, *args))
    after = _documents(root, edition, fragments)
    assert converted == ["chapter-2"]
    assert after != before
    assert after == _documents(root, edition, {})  # the same as with nothing kept


def test_a_changed_setting_converts_every_part_again(tmp_path: Path, monkeypatch):
    root = make(tmp_path / "book", words=1200, chapters=2)
    fragments: dict[str, str] = {}
    _documents(root, "ebook", fragments)
    layout = root / "layouts" / "ebook" / "layout.yaml"
    layout.parent.mkdir(parents=True, exist_ok=True)
    layout.write_text("extends: ebook\nformat: epub\nsettings:\n  notes: book-end\n", encoding="utf-8")
    converted: list[str] = []
    convert = matter.chapter_content
    monkeypatch.setattr(matter, "chapter_content", lambda part, *args: converted.append(part.id) or
                        convert(part, *args))
    assert _documents(root, "ebook", fragments) == _documents(root, "ebook", {})
    assert {"chapter", "chapter-2"} <= set(converted)


@pytest.mark.slow
def test_an_ebook_made_from_kept_views_is_the_one_made_from_nothing(tmp_path: Path, epubcheck):
    root = make(tmp_path / "book", words=6000, chapters=6)
    book_yaml = root / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text(encoding="utf-8").replace("page_list_from: paperback", ""),
                         encoding="utf-8")
    build(root, ["ebook"])
    _edit(root, "03-chapter.yaml")
    (kept,) = build(root, ["ebook"])
    (fresh,) = build(root, ["ebook"], tmp_path / "fresh", force=True)
    assert kept.rebuilt and kept.path.read_bytes() == fresh.path.read_bytes()
    assert epubcheck(kept.path) == []


@pytest.mark.parametrize("addition", ['quotes: [», «, ›, ‹]\n', "labels:\n  scene.context: Background\n"])
def test_the_books_own_quotes_and_labels_convert_every_part_again(tmp_path: Path, addition: str):
    root = make(tmp_path / "book", words=1200, chapters=2)
    chapter = root / "manuscript" / "01-chapter.yaml"
    text = chapter.read_text(encoding="utf-8").replace("title: Chapter 1", "title: '\"Quoted\" she said'", 1)
    chapter.write_text(text, encoding="utf-8")
    fragments: dict[str, str] = {}
    before = _documents(root, "ebook", fragments)
    book_yaml = root / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text(encoding="utf-8") + addition, encoding="utf-8")
    after = _documents(root, "ebook", fragments)
    assert after != before and after == _documents(root, "ebook", {})
