"""The print cover wrap as the book opens: a right-to-left book's front panel on the left and its back on the right,
a left-to-right book's the other way round; the wrap's panels named in the book's language. Text positions read
from the cover PDF with pypdf."""

from __future__ import annotations

from datetime import datetime, timezone

import pypdf
import pytest

from bookforge.covers import _wrap_context, cover_geometry, print_cover
from bookforge.project import load_project
from bookforge.render.rendition import render_cover
from tests.scripts_books import BOOKS, script_project

PAGES = 120
MODIFIED = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _cover(root) -> tuple[pypdf.PageObject, float]:
    """The paperback's generated cover wrap for a PAGES-page interior, and the x (points) between its halves."""
    project = load_project(root)
    layout = project.layouts["paperback"]
    data = print_cover(project.book, "paperback", layout, PAGES, MODIFIED)
    path = root / "cover.pdf"
    path.write_bytes(data)
    geometry = cover_geometry(layout, PAGES)
    return pypdf.PdfReader(path).pages[0], (geometry.bleed + geometry.trim_width + geometry.spine / 2) * 72


def _runs(page: pypdf.PageObject) -> list[tuple[float, float, bool, str]]:
    """(x, y, upright, text) of each run of text: where it starts, in points, and whether it is not turned."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            matrix = pypdf.mult(tm, cm)
            found.append((matrix[4], matrix[5], abs(matrix[1]) < 1e-6, text.strip()))

    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("language", "front_on_left"), [("ar", True), ("en", False)])
def test_the_front_panel_is_on_the_side_the_book_opens_from(tmp_path, language, front_on_left):
    title, author, _, _, _ = BOOKS[language]
    page, middle = _cover(script_project(tmp_path / "book", language, paragraphs=1))
    runs = _runs(page)
    # The author's name stands upright only on the front (on the spine it is turned); the title also on the back.
    front = [x for x, _, upright, text in runs if upright and author in text]
    assert front and all((x < middle) == front_on_left for x in front), (front, middle)
    titles = [x for x, _, upright, text in runs if upright and text == title]
    assert len(titles) == 2 and {x < middle for x in titles} == {True, False}, titles
    # The spine's title reads with the book lying front up: its letters' tops towards the front panel.
    spine = [(x, y) for x, y, upright, text in runs if not upright and title in text]
    assert spine and all(abs(x - middle) < 20 for x, _ in spine), spine
    matrices = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: matrices.append(pypdf.mult(tm, cm))
                      if title in text and abs(pypdf.mult(tm, cm)[1]) > 1e-6 else None)
    # The text's up direction is (c, d) of its matrix: towards -x (left) when the front is on the left.
    assert matrices and all((matrix[2] < 0) == front_on_left for matrix in matrices), matrices


def test_the_wraps_panels_are_named_in_the_books_language(tmp_path):
    project = load_project(script_project(tmp_path / "book", "fr", paragraphs=1))
    layout = project.layouts["paperback"]
    rendition = render_cover(project.book, "paperback", layout, _wrap_context(layout, cover_geometry(layout, PAGES)))
    content = rendition.documents[0].content
    for label in ("Quatrième de couverture", "Dos", "Première de couverture"):
        assert f'aria-label="{label}"' in content
    assert "back cover" not in content and 'aria-label="spine"' not in content
