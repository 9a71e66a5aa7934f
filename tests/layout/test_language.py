"""The words bookforge prints, by language (layouts/base/labels.yaml), and CLDR's lists, dates and numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bookforge.layout import language
from bookforge.manuscript import labels
from bookforge.manuscript.load import load_book
from tests.books import TINY_CHAPTER, tiny_project

TEMPLATES = Path(labels.__file__).parents[1] / "layouts"


def test_the_table_has_every_label_in_twenty_languages_and_the_same_placeholders():
    english = labels.table()["en"]
    assert len(labels.languages()) >= 20
    for code, words in labels.table().items():
        assert set(words) == set(english), code
        for key, text in words.items():
            assert text.strip() == text and text, (code, key)
            assert labels.placeholders(text) <= labels.placeholders(english[key]), (code, key)


def test_every_label_a_template_prints_is_in_the_table():
    used = {match for path in TEMPLATES.glob("*/templates/*") for match in
            re.findall(r"(?<![.\w])labels\.(\w+)", path.read_text(encoding="utf-8"))}
    assert used and used <= set(labels.table()["en"])


@pytest.mark.parametrize(("tag", "contents", "chapter"), [
    ("fr", "Table des matières", "Chapitre"), ("de-AT", "Inhalt", "Kapitel"), ("pt-BR", "Sumário", "Capítulo"),
    ("ja", "目次", "章"), ("ar", "المحتويات", "الفصل"), ("no", "Innhold", "Kapittel"), ("sw", "Contents", "Chapter"),
])
def test_labels_fall_back_from_region_to_language_to_english(tag, contents, chapter):
    found = labels.labels_for(tag)
    assert (found["contents"], found["chapter"]) == (contents, chapter)


def test_a_book_overrides_labels_and_field_labels(tmp_path):
    project = tiny_project(tmp_path / "book")
    book_file = project / "manuscript" / "book.yaml"
    book_file.write_text(book_file.read_text(encoding="utf-8").replace("language: en", "language: fr") +
                         "labels:\n  contents: Sommaire\n  scene.context: Arrière-plan\n"
                         "quotes: [», «, ›, ‹]\n", encoding="utf-8")
    book = load_book(project)
    assert book.labels == {"contents": "Sommaire", "scene.context": "Arrière-plan"}
    assert book.quotes == ("»", "«", "›", "‹")
    merged = labels.labels_for("fr", book.labels)
    assert (merged["contents"], merged["notes"]) == ("Sommaire", "Notes")
    assert book.entry_types["scene"].label("context", "fr", book.labels) == "Arrière-plan"


def test_lists_dates_and_numbers_are_written_as_the_language_writes_them():
    assert language.names(["Ana", "Luis", "Eva"], "es") == "Ana, Luis y Eva"
    assert language.names(["Anna", "Jan"], "de") == "Anna und Jan"
    assert language.date("2026-11-25", "fr") == "25 novembre 2026"
    assert language.date("2026-11-25", "de") == "25. November 2026"
    assert language.date("2026-11-25", "ja") == "2026年11月25日"
    assert language.date("2026-03", "ru") == "март 2026\u202fг."
    assert language.date("2026", "en") == "2026"
    assert language.number("2.5", "fr") == "2,5"
    assert language.number("12000", "de") == "12000"  # a count or a year, never grouped


def test_quotation_marks_narrow_from_region_and_script_to_language():
    assert language.quotes("zh-Hant-TW") == ("「", "」", "『", "』")
    assert language.quotes("zh") == ("“", "”", "‘", "’")
    assert language.quotes("fr-CH")[2:] == ("‹", "›")
    assert language.quotes("qaa") == language.quotes("en")  # a private-use language


def test_the_books_own_quotes_and_labels_reach_the_rendered_book(tmp_path):
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    project = tiny_project(tmp_path / "book", TINY_CHAPTER.replace("context: It sets up his journey.",
                                                                   'context: Er sagt "ja".'))
    book_file = project / "manuscript" / "book.yaml"
    book_file.write_text(book_file.read_text(encoding="utf-8").replace("language: en", "language: de")
                         + "quotes: [», «, ›, ‹]\nlabels:\n  scene.context: Hintergrund\n", encoding="utf-8")
    loaded = load_project(project)
    rendition = render(loaded.book, "ebook", loaded.layouts["ebook"])
    chapter = next(document.content for document in rendition.documents if document.kind == "chapter")
    assert "Er sagt »ja«." in chapter and "Hintergrund" in chapter
