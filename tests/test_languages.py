"""Books in several languages built for real: the labels, quotation marks, French spaces, dates and numbers in the
EPUB's XHTML (EPUBCheck on each) and in the PDF's text, and the same bytes from a second build."""

from __future__ import annotations

import shutil
import zipfile

import pypdf
import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from tests.books import REPO, SOURCE_DATE_EPOCH

NS = {"x": "http://www.w3.org/1999/xhtml"}
NNBSP, NBSP = "\u202f", "\u00a0"

BOOK = """\
metadata:
  title: {title}
  creators:
    - name: Ana Pérez
    - name: Luis Gómez
    - name: Eva Ruiz
      role: translator
    - name: Max Roth
      role: translator
  language: {language}
  identifier: urn:uuid:00000000-0000-4000-8000-000000000017
  publisher: Éditions Test
  date: "2026-11-25"
  series: {{name: Les Vents, number: "2.5"}}
contents:
  - title-page
  - copyright-page
  - table-of-contents
  - chapter: 01-chapter.yaml
editions:
  ebook: {{format: epub, layout: ebook, identifier: "urn:isbn:9780000000019"}}
{print_edition}
"""
PRINT_EDITION = '  paperback: {format: pdf, layout: print, identifier: "urn:isbn:9780000000026"}'
CHAPTER = """\
title: {chapter}
text: |-
  {text}

  ::: {{lang=de}}
  Er sagt "ja".
  :::
entries:
  - type: scene
    title: {scene}
    text: {scene_text}
    context: {context}
"""

# language -> (what the author writes, and what the reader must see in the EPUB and the PDF)
BOOKS = {
    "fr": {"title": "Le Livre", "chapter": "Premier chapitre", "scene": "La scène",
           "text": 'Il dit : "Oui" ! Elle cite „Guten Tag" ; puis « non ».', "scene_text": "Rien.",
           "context": "Le contexte.",
           "expect": [(f"Il dit{NBSP}: «{NNBSP}Oui{NNBSP}»{NNBSP}! Elle cite „Guten Tag“{NNBSP}; "
                       f"puis «{NNBSP}non{NNBSP}»."),
                      "Er sagt „ja“.", "Table des matières", "Contexte", "Publié le 25 novembre 2026",
                      "Les Vents, tome 2,5", "Ana Pérez", "Traduit par Eva Ruiz et Max Roth"]},
    "de": {"title": "Das Buch", "chapter": "Erstes Kapitel", "scene": "Die Szene",
           "text": "Er sagt \"ja\" und 'nein'.", "scene_text": "Nichts.", "context": "Der Kontext.",
           "expect": ["Er sagt „ja“ und ‚nein‘.", "Inhalt", "Kontext", "Erschienen am 25. November 2026",
                      "Les Vents, Band 2,5", "Übersetzt von Eva Ruiz und Max Roth"]},
    "es": {"title": "El libro", "chapter": "Primer capítulo", "scene": "La escena",
           "text": "¿Qué dijo? ¡\"Hola\"!", "scene_text": "Nada.", "context": "El contexto.",
           "expect": ["¿Qué dijo? ¡“Hola”!", "Índice", "Contexto", "Publicado el 25 de noviembre de 2026",
                      "Traducción de Eva Ruiz y Max Roth"]},
    "ru": {"title": "Книга", "chapter": "Первая глава", "scene": "Сцена",
           "text": "Он сказал: \"Привет, 'мир'\".", "scene_text": "Ничего.", "context": "Контекст сцены.",
           "expect": ["Он сказал: «Привет, „мир“».", "Содержание", "Контекст", "Издано 25 ноября 2026",
                      "Перевод — Eva Ruiz и Max Roth"]},
    "ja": {"title": "本", "chapter": "第一章", "scene": "場面", "text": "彼は\"こんにちは、'友'\"と言った。",
           "scene_text": "何もない。", "context": "背景の説明。",
           "expect": ["彼は「こんにちは、『友』」と言った。", "目次", "背景", "2026年11月25日発行", "Eva Ruiz、Max Roth 訳"]},
}
PRINTED = ("fr", "de", "es", "ru")
"""The languages whose PDF is checked too (a Japanese PDF needs the CJK fonts of issue 17's other half)."""


def _project(folder, language: str):
    book = BOOKS[language]
    (folder / "manuscript").mkdir(parents=True)
    (folder / "manuscript" / "book.yaml").write_text(BOOK.format(
        title=book["title"], language=language, print_edition=PRINT_EDITION if language in PRINTED else ""),
        encoding="utf-8")
    (folder / "manuscript" / "01-chapter.yaml").write_text(CHAPTER.format(**book), encoding="utf-8")
    shutil.copytree(REPO / "assets", folder / "assets")
    return folder


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """{language: {edition: EditionResult}}, each book built once (before the autouse fixtures that set the date)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        return {language: {result.name: result for result in build(_project(tmp_path_factory.mktemp(language) / "book",
                                                                              language))}
                for language in BOOKS}


def _epub_text(path) -> str:
    with zipfile.ZipFile(path) as archive:
        documents = [etree.fromstring(archive.read(name)) for name in sorted(archive.namelist())
                     if name.endswith(".xhtml")]
    return "\n".join("".join(document.find("x:body", NS).itertext()) for document in documents)


@pytest.mark.slow
@pytest.mark.parametrize("language", BOOKS)
def test_the_epub_has_the_languages_words_marks_and_dates(books, language, epubcheck):
    epub = books[language]["ebook"].path
    assert epubcheck(epub) == []
    text = " ".join(_epub_text(epub).split(" "))
    for expected in BOOKS[language]["expect"]:
        assert expected in text, (language, expected)


@pytest.mark.slow
@pytest.mark.parametrize("language", PRINTED)
def test_the_pdf_has_the_languages_words_marks_and_dates(books, language):
    pdf = pypdf.PdfReader(books[language]["paperback"].path)
    # Spaces as pypdf finds them (a no-break space may come out as a space or as nothing), and no case: labels may
    # be set in small capitals.
    text = "".join(page.extract_text() for page in pdf.pages).replace(NNBSP, "").replace(NBSP, "")
    text = "".join(text.split()).casefold()
    for expected in BOOKS[language]["expect"]:
        assert "".join(expected.split()).replace(NNBSP, "").replace(NBSP, "").casefold() in text, (language, expected)


@pytest.mark.slow
def test_a_second_build_makes_the_same_bytes(books, tmp_path):
    again = {result.name: result for result in build(_project(tmp_path / "book", "fr"))}
    for edition in ("ebook", "paperback"):
        assert again[edition].path.read_bytes() == books["fr"][edition].path.read_bytes(), edition
