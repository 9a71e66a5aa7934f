"""The print cover wrap's back: a long description is set smaller to clear the barcode area and the publisher's
line, or refused with the length it can hold; its links look like the rest of the text."""

from __future__ import annotations

import pypdf
import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.covers import BARCODE_AREA, BLURB_SIZES, CLEARANCE, SAFE, cover_geometry
from bookforge.errors import BookforgeError
from bookforge.print.raster import page_images
from bookforge.project import load_project
from tests.books import tiny_project

SENTENCE = ("A keeper of a lighthouse on a northern island finds, one winter, a boat with no one in it and a "
            "letter addressed to him in his own hand. ")


def _with_description(root, description: str):
    book = root / "manuscript" / "book.yaml"
    data = yaml.safe_load(book.read_text())
    data["metadata"].update(description=description, publisher="Harbour Lights Press")
    book.write_text(yaml.safe_dump(data, allow_unicode=True, width=1000))
    return root


def _lines(path) -> list[tuple[float, float, str]]:
    """(x, y from the wrap's bottom edge, text) of the cover's text runs, in points."""
    found = []
    page = pypdf.PdfReader(path).pages[0]
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: found.append(
        (pypdf.mult(tm, cm)[4], pypdf.mult(tm, cm)[5], text)) if text.strip() else None)
    return found


@pytest.mark.slow
def test_a_long_description_is_set_smaller_to_clear_the_barcode_and_the_publisher(tmp_path):
    root = _with_description(tiny_project(tmp_path / "book"), (SENTENCE * 5 + "\n\n") * 3)
    (result,) = build(root, ["paperback"])
    geometry = cover_geometry(load_project(root).layouts["paperback"], result.pages)
    lines = _lines(result.cover)
    back = [(x, y, text) for x, y, text in lines if x < (geometry.bleed + geometry.trim_width) * 72]
    assert any("Harbour Lights Press" in text or "HARBOUR" in text.upper() for _, _, text in back)
    # Every line of the description stands above the barcode area (and the publisher's line beside it).
    floor = (geometry.bleed + SAFE + BARCODE_AREA[1] + CLEARANCE * 0.9) * 72
    description = [(y, text) for x, y, text in back if "lighthouse" in text or "letter" in text or "winter" in text]
    assert len(description) > 10 and min(y for y, _ in description) > floor, min(description)


@pytest.mark.slow
def test_a_description_too_long_for_any_size_is_refused_with_the_length_that_fits(tmp_path):
    root = _with_description(tiny_project(tmp_path / "book"), (SENTENCE * 8 + "\n\n") * 6)
    with pytest.raises(BookforgeError) as caught:
        build(root, ["paperback"])
    (problem,) = caught.value.diagnostics
    assert problem.code == "cover-overflow" and problem.location.file.endswith("book.yaml")
    assert problem.location.line > 0
    assert "the description (6,5" in problem.message  # the characters a reader reads
    assert "it holds about" in problem.message and f"({BLURB_SIZES[-1] * 11:.3g} pt)" in problem.message
    holds = int(problem.message.split("holds about ")[1].split(" ")[0].replace(",", ""))
    assert 1500 < holds < 4500  # 6 x 9 in: about 36 lines of 85 characters at 8.25 pt


@pytest.mark.slow
def test_links_in_the_description_are_not_blue_on_the_cover(tmp_path):
    description = "Read the first chapter at [the press's site](https://example.org/lighthouse) before you buy. " * 3
    root = _with_description(tiny_project(tmp_path / "book"), description)
    (result,) = build(root, ["paperback"])
    (image,) = page_images(result.cover, dpi=60)
    blue = sum(count for count, (r, g, b) in image.getcolors(1 << 24) if b > 170 and r < 90 and g < 90)
    assert blue == 0
