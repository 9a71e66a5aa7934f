"""Editions: one manuscript, four books; what differs between them and what must not."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pypdf
import pytest
import yaml

from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render.rendition import render
from tests.books import REPO

TRIMS = {"paperback": (432, 648), "large-print": (504, 720), "pocket": (306, 504)}
PRINT_EDITIONS = tuple(TRIMS)


def _entries(name: str) -> list[dict]:
    return yaml.safe_load((REPO / "manuscript" / name).read_text(encoding="utf-8"))["entries"]


SCENES = _entries("01-memorable-scenes.yaml")
NOTES = _entries("02-behind-the-scenes.yaml")


def squeeze(text: str) -> str:
    """Text with line breaks, hyphenation, spaces and quote styles taken out, to compare across layouts."""
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return re.sub(r"[\s\-‐\u00ad]+", "", text)


def text_block(path: Path, layout_name: str) -> str:
    """The text inside the page margins of every page: running heads and folios left out."""
    margins = load_layout(REPO, layout_name).settings["margins"]
    top, bottom = (float(margins[side].removesuffix("in")) * 72 for side in ("top", "bottom"))
    pages: list[str] = []
    for page in pypdf.PdfReader(path).pages:
        height = float(page.mediabox.height)
        pieces: list[tuple[float, float, str]] = []

        def visit(text, cm, tm, font, size):
            x, y = pypdf.mult(tm, cm)[4:6]
            if bottom <= y <= height - top:
                pieces.append((-round(y), x, text))

        page.extract_text(visitor_text=visit)
        # In reading order by position: the content stream may draw a line's pieces in another order.
        pages.append("".join(text for _, _, text in sorted(pieces, key=lambda piece: piece[:2])))
    return "".join(pages)


@pytest.fixture(scope="module")
def texts(built_sample) -> dict[str, str]:
    """Each print edition's text, and the EPUB's documents' text."""
    book = load_book(REPO)
    found = {name: text_block(built_sample[name].path, book.editions[name].layout) for name in PRINT_EDITIONS}
    import zipfile

    with zipfile.ZipFile(built_sample["ebook"].path) as epub:
        found["ebook"] = " ".join(re.sub(r"<[^>]+>", " ", epub.read(n).decode()) for n in epub.namelist()
                                  if n.endswith(".xhtml") and not n.endswith("nav.xhtml"))
    return {name: squeeze(text) for name, text in found.items()}


def body_font_size(path: Path) -> float:
    """The most common text size in the PDF, in points: the body text."""
    sizes: Counter[float] = Counter()

    def visit(text, cm, tm, font, size):
        scale = abs(pypdf.mult(tm, cm)[0]) or 1
        if text.strip():
            sizes[round(size * scale, 1)] += len(text)

    for page in pypdf.PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


def test_the_sample_has_four_editions(built_sample):
    assert list(built_sample) == ["ebook", "paperback", "large-print", "pocket"]
    assert all(result.warnings == () for result in built_sample.values())


@pytest.mark.parametrize("edition", PRINT_EDITIONS)
def test_trim_differs_per_edition(built_sample, edition):
    reader = pypdf.PdfReader(built_sample[edition].path)
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {TRIMS[edition]}


def test_font_size_differs_per_edition(built_sample):
    sizes = {name: body_font_size(built_sample[name].path) for name in PRINT_EDITIONS}
    assert sizes["paperback"] == 11
    assert sizes["large-print"] >= 16, "large print is at least 16 pt"
    assert sizes["pocket"] < sizes["paperback"]


def test_large_print_is_ragged_right_without_hyphenation(sample_project):
    book = load_book(sample_project)
    css = "".join(text for _, text in render(book, "large-print", load_layout(sample_project, "large-print")).stylesheets)
    assert "text-align: justify" not in css and "hyphens: auto" not in css
    paperback_css = "".join(text for _, text in render(book, "paperback",
                                                        load_layout(sample_project, "paperback")).stylesheets)
    assert "text-align: justify" in paperback_css and "hyphens: auto" in paperback_css


def test_large_print_pdf_breaks_no_words(built_sample):
    words = set(re.findall(r"[\w’']+", " ".join(e["text"] + " " + e.get("context", e.get("why_it_matters", ""))
                                                  for e in SCENES + NOTES)))
    text = "".join(page.extract_text() for page in pypdf.PdfReader(built_sample["large-print"].path).pages)
    broken = [f"{a}{b}" for a, b in re.findall(r"(\w+)[-‐]\n(\w+)", text) if f"{a}{b}" in words]
    assert broken == []


def test_title_pages_carry_the_edition_title(built_sample):
    first = {name: pypdf.PdfReader(built_sample[name].path).pages[0].extract_text() for name in PRINT_EDITIONS}
    assert "Large Print Edition" in first["large-print"]
    assert "Pocket Film Companion" in first["pocket"]
    assert "Edition" not in first["paperback"]


def test_every_scene_is_in_every_edition_that_has_scenes(texts):
    for name, text in texts.items():
        for scene in SCENES:
            for field in ("title", "text", "context"):
                assert squeeze(scene[field]) in text, (name, scene["title"], field)


def test_the_pocket_companion_leaves_the_notes_out(texts):
    assert not any(squeeze(note["text"]) in texts["pocket"] for note in NOTES)
    assert not any(squeeze(note["title"]) in texts["pocket"] for note in NOTES)
    for name in ("ebook", "paperback", "large-print"):
        assert all(squeeze(note["why_it_matters"]) in texts[name] for note in NOTES), name


def test_only_the_large_print_edition_has_its_note(texts):
    note = squeeze("A Note on This Edition")
    assert [name for name, text in texts.items() if note in text] == ["large-print"]
