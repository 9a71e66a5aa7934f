"""Chunks laid out ahead of their turn (print/ahead.py): from estimates in a cold build, kept only when right, the
same bytes as one process makes; a layout that passes its gutter band stops there."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bookforge.build.writers import band_of
from bookforge.errors import Location
from bookforge.manuscript.load import load_book
from bookforge.print import chunks
from bookforge.print.records import Entry
from bookforge.print.writer import Typesetter, write_pdf
from bookforge.project import load_project
from bookforge.render.rendition import render
from tests.books import make

pytestmark = pytest.mark.slow  # every test here lays out a generated book, most of them twice

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)
SMALL = 1  # a chunk for each chapter


@pytest.fixture(scope="module")
def rendition(tmp_path_factory):
    project = make(tmp_path_factory.mktemp("ahead") / "book", 9000, 8)
    book = load_book(project)
    return render(book, "paperback", load_project(Path(book.root)).layouts["paperback"], page_count=100,
                  chunk_size=SMALL)


def test_a_cold_build_lays_chunks_out_ahead_and_gives_the_serial_bytes(rendition):
    """No plan from a last build: the chunks are guessed from their text, and the guesses kept are right."""
    serial = write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1)
    parallel = write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=2)
    total = len(rendition.chunks)
    assert serial.chunks == chunks.ChunkCounts(total, total)
    assert parallel.chunks.laid_out == total and parallel.chunks.ahead >= total // 3
    assert parallel.chunks.missed <= total // 2
    assert parallel.data == serial.data


def test_chunks_are_laid_out_ahead_in_an_executor_of_the_callers(rendition):
    """A concurrent.futures executor (a Dask client's, say) lays the chunks out ahead instead of a pool of its own."""
    serial = write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as executor:
        parallel = write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=2, chunk_executor=executor)
    assert parallel.chunks.ahead > 0 and parallel.data == serial.data


HEADS = (("author-head", "A"), ("book-head", "B"), ("chapter-head", "C"))


@pytest.mark.parametrize(("index", "counter"), [(1, 9), (3, 12)])
def test_a_chunk_laid_out_from_a_guess_that_differs_in_what_it_does_not_show_is_the_same(rendition, index, counter):
    """A chapter's first page sets the running heads: laid out after a prelude with other running heads (and, for
    the first chapter, which restarts the folios, another page number) on the same side, it is the same chunk,
    its page counters moved."""
    typesetter = Typesetter(rendition, MODIFIED, True, Location("test")).undated()
    chunk = rendition.chunks[index]
    exact = Entry(side="left", counter=4, strings=HEADS)
    guess = Entry(side="left", counter=counter, strings=(("book-head", "Another"),))
    (layout, _), (guessed, reads) = (chunks._typeset(chunks._document(chunk, entry, {}), True, set(), typesetter)
                                     for entry in (exact, guess))
    assert reads.allows(guess, exact) == (index == 1 or counter == 4)
    assert not reads.allows(guess.model_copy(update={"side": "right"}), exact)
    if index == 1:
        assert reads.rebased(guessed, guess, exact) == layout
    else:  # the folios show the counter: only the running heads may differ
        same = chunks._typeset(chunks._document(chunk, guess.model_copy(update={"counter": 4}), {}), True, set(),
                               typesetter)[0]
        assert same == layout


def test_a_layout_past_its_gutter_band_stops_there(rendition):
    """The build picks the gutter from an estimate of the page count; once the chunks pass the band's last page,
    laying out more in that band is work thrown away."""
    with pytest.raises(chunks.OutOfBand) as stopped:
        write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1, page_band=(1, 12))
    assert 12 < stopped.value.pages < 30 and stopped.value.predicted >= stopped.value.pages


def test_a_layout_whose_text_predicts_another_band_stops_early(rendition):
    """A quarter of the text laid out predicts the page count: a band it will not end in is not laid out further."""
    whole = write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1).pages
    with pytest.raises(chunks.OutOfBand) as stopped:
        write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1, page_band=(whole + 20, whole + 100))
    assert stopped.value.pages < whole * 0.6 and abs(stopped.value.predicted - whole) <= 0.15 * whole
    band = (round(whole * 0.85), round(whole * 1.15))
    assert write_pdf(rendition, MODIFIED, chunk_store={}, chunk_workers=1, page_band=band).pages == whole


def test_the_gutter_bands_page_counts():
    assert band_of(1) == band_of(150) == (1, 150)
    assert band_of(151) == (151, 300) and band_of(828) == band_of(5000) == (701, None)
