"""A right-to-left book in print: pages progress right to left, chapters open on a recto (a left-hand page), the
verso's running head is on the right-hand pages, lines are set from the right. Text positions read with pypdf."""

from __future__ import annotations

import pypdf
import pytest

from bookforge.build.orchestrate import build
from tests.scripts_books import BOOKS, script_project

pytestmark = pytest.mark.slow  # a print edition laid out


def _runs(page: pypdf.PageObject) -> list[tuple[float, float, str]]:
    """(x, y, text) of each run of text WeasyPrint drew: where it starts, in points from the page's lower left."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4], cm[1] * tm[4] + cm[3] * tm[5] + cm[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return found


@pytest.fixture(scope="module")
def arabic(tmp_path_factory):
    root = script_project(tmp_path_factory.mktemp("ar") / "book", "ar")
    (result,) = build(root, ["paperback"])
    return pypdf.PdfReader(result.path)


def test_chapters_open_on_left_hand_pages_and_the_book_title_heads_the_right_hand_ones(arabic):
    title, _, chapters, _, _ = BOOKS["ar"]
    pages = [_runs(page) for page in arabic.pages]
    openings = [index for index, runs in enumerate(pages) if runs and runs[0][2] in chapters]
    assert len(openings) == 2
    # WeasyPrint's first page is a left-hand one when the root is right to left: even indexes are left pages.
    assert all(index % 2 == 0 for index in openings), openings
    heads = [index for index, runs in enumerate(pages) if any(text == title for _, y, text in runs if y > 600)]
    assert heads and all(index % 2 == 1 for index in heads), heads


def test_lines_are_set_from_the_right_inside_mirrored_margins(arabic):
    _, _, chapters, _, _ = BOOKS["ar"]
    opening = next(page for page in arabic.pages if _runs(page)[:1] and _runs(page)[0][2] == chapters[0])
    body = [(x, y) for x, y, text in _runs(opening) if y < 400]
    left_edge = min(x for x, _ in body)
    assert left_edge == pytest.approx(45.0, abs=0.5)  # the outside margin (0.625 in) is on a left page's left
    lines = sorted({y for _, y in body}, reverse=True)
    starts = {y: min(x for x, yy in body if yy == y) for y in lines}
    short = [y for y in lines if starts[y] > left_edge + 50]  # a paragraph's last line
    assert short, "every line starts at the left edge: the text is not set from the right"
