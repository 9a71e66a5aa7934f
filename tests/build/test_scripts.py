"""Books in French, German, Japanese, Arabic and a mixed English, Russian and Greek text, each built in every kind
of edition: no character without a glyph (PDF: no `.notdef`, the text extracted as written; EPUB: every character in
an embedded font), EPUBCheck and Ace clean, the page images drawn (tests/scripts_books.py)."""

from __future__ import annotations

import subprocess
import zipfile

import pytest
from PIL import Image

from bookforge.build.orchestrate import build
from tests.scripts_books import BOOKS, epub_uncovered, pdf_font_names, pdf_notdefs, script_project

pytestmark = pytest.mark.slow  # five books of five editions, EPUBCheck and Ace on each ebook


@pytest.fixture(scope="module", params=sorted(BOOKS))
def built(request, tmp_path_factory):
    language = request.param
    root = script_project(tmp_path_factory.mktemp(language) / "book", language)
    return language, {result.name: result for result in build(root, jobs=2)}


def test_every_edition_builds_without_warnings(built):
    language, results = built
    assert set(results) == {"ebook", "kobo", "paperback", "large", "pocket"}
    for result in results.values():
        assert result.warnings == (), (language, result.name, [str(w) for w in result.warnings])


def test_no_pdf_draws_a_notdef_and_its_text_comes_out_as_written(built, tmp_path):
    language, results = built
    phrase = BOOKS[language][4]
    for name in ("paperback", "large", "pocket"):
        path = results[name].path
        assert pdf_notdefs(path) == [], (language, name)
        assert not any("DejaVu" in font or "Oblique" in font for font in pdf_font_names(path)), (language, name)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        words = phrase.split()
        assert all(word in text for word in words), (language, name, phrase)
    # The first chapter's opening page, drawn: ink on it (tests look; a person looks at the PNGs in the note).
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "5", "-l", "5", str(results["paperback"].path),
                    str(tmp_path / "page")], check=True)
    (image,) = [Image.open(path).convert("L") for path in tmp_path.glob("page*.png")]
    assert sum(image.histogram()[:128]) > 500


CLOSING = set("、。，．：；？！」』）〕】》〉ーっゃゅょぁぃぅぇぉッャュョァィゥェォ,.;:!?»›)]")
"""What no line may start with (Japanese kinsoku shori; closing marks in every language)."""


def test_no_line_starts_with_a_closing_mark_or_a_small_kana(built):
    language, results = built
    if language == "ar":
        pytest.skip("pdftotext gives right-to-left lines in an order that says nothing of where marks were set")
    text = subprocess.run(["pdftotext", str(results["paperback"].path), "-"], capture_output=True, text=True,
                          check=True).stdout
    starts = [line.strip()[0] for line in text.splitlines() if line.strip(". \f")]
    assert len(starts) > 100
    assert [start for start in starts if start in CLOSING] == [], language


def test_every_ebook_character_is_in_an_embedded_font_and_the_book_passes_epubcheck(built, epubcheck):
    language, results = built
    for name in ("ebook", "kobo"):
        path = results[name].path
        assert epub_uncovered(path) == set(), (language, name)
        assert epubcheck(path) == [], (language, name)


def test_the_ebook_passes_ace_and_claims_conformance(built):
    from bookforge import check

    language, results = built
    if check.find_ace() is None:
        pytest.fail("DAISY Ace is not installed: run `make setup` (npm ci)")
    result = check.ace(results["ebook"].path)
    assert result.skipped is None and list(result.errors) == [], (language, result.errors)
    with zipfile.ZipFile(results["ebook"].path) as archive:
        assert b"WCAG 2.2 Level AA" in archive.read("EPUB/content.opf")
