"""The EPUB of books in other scripts: the fonts it embeds, its direction, and what it claims when a character has
no glyph."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from tests.books import TINY_CHAPTER, tiny_project
from tests.scripts_books import script_project

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml"}


def _opf(path):
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("EPUB/content.opf")), archive.namelist()


def test_a_right_to_left_book_turns_its_pages_right_to_left(tmp_path):
    (result,) = build(script_project(tmp_path / "book", "ar", paragraphs=1), ["ebook"])
    opf, names = _opf(result.path)
    assert opf.find("opf:spine", NS).get("page-progression-direction") == "rtl"
    with zipfile.ZipFile(result.path) as archive:
        for name in names:
            if name.endswith(".xhtml"):
                assert etree.fromstring(archive.read(name)).get("dir") == "rtl", name


def test_only_the_fonts_the_text_needs_are_embedded_each_cut_down(tmp_path):
    (result,) = build(script_project(tmp_path / "book", "ja", paragraphs=1), ["ebook"])
    _, names = _opf(result.path)
    fonts = sorted(name.removeprefix("EPUB/fonts/") for name in names if name.startswith("EPUB/fonts/"))
    assert [name for name in fonts if not name.startswith("LinLibertine_")] == [
        "NotoSerifCJKjp-Bold.otf", "NotoSerifCJKjp-Regular.otf"]
    assert result.size < 400_000  # the CJK collection it is cut from is 26 MB


@pytest.mark.expect_warnings("missing-glyphs")
def test_a_character_without_a_glyph_withholds_the_conformance_claim(tmp_path):
    root = tiny_project(tmp_path / "book", TINY_CHAPTER.replace("the stars.", "the stars 🦄."))
    (result,) = build(root, ["ebook"])
    assert [w.code for w in result.warnings] == ["missing-glyphs"]
    opf, _ = _opf(result.path)
    meta = {(m.get("property"), m.text) for m in opf.iterfind("opf:metadata/opf:meta[@property]", NS)}
    assert not any(prop == "dcterms:conformsTo" for prop, _ in meta)
    summary = next(text for prop, text in meta if prop == "schema:accessibilitySummary")
    assert summary.startswith("This publication does not fully meet EPUB Accessibility 1.1 (some characters have "
                              "no glyph in its fonts)")


def test_a_book_whose_fonts_have_every_character_claims_conformance(tmp_path):
    (result,) = build(tiny_project(tmp_path / "book"), ["ebook"])
    opf, _ = _opf(result.path)
    assert opf.xpath("opf:metadata/opf:meta[@property='dcterms:conformsTo']/text()", namespaces=NS) == [
        "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
