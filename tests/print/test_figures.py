"""Figures in print: the image drawn from memory, and none in an edition that leaves figures out."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from bookforge.build.orchestrate import build
from tests.books import figures_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return figures_project(tmp_path / "book")


def test_the_pdf_draws_the_image_from_memory(project: Path):
    (paperback,) = build(project, ["paperback"]).editions

    with pikepdf.open(paperback.path) as pdf:
        sizes = [(int(xobject.Width), int(xobject.Height)) for page in pdf.pages
                 for xobject in page.get_images().values()]
    assert (120, 80) in sizes


def test_an_edition_without_figures_carries_no_images(project: Path):
    book = project / "manuscript" / "book.yaml"
    # The paperback is the last edition in book.yaml: this line is its own.
    book.write_text(book.read_text(encoding="utf-8") + "    entry_types: [scene]\n", encoding="utf-8")
    (paperback,) = build(project, ["paperback"]).editions
    with pikepdf.open(paperback.path) as pdf:
        assert not any(page.get_images() for page in pdf.pages)
