"""A chunk paginated from a guessed start and finished from the real one (print/furnish.py, telling.py) is the chunk
laid out from the real start, byte for byte: its folios and running heads made from the real start, and a
right-hand start's blank page dropped for a left-hand one."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bookforge.errors import Location
from bookforge.manuscript.load import load_book
from bookforge.print import chunks, telling
from bookforge.print.records import Entry
from bookforge.print.writer import Typesetter
from bookforge.project import load_project
from bookforge.render.rendition import render
from tests.books import make

pytestmark = pytest.mark.slow  # each test lays a chunk out twice

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)
HEADS = (("author-head", "A"), ("book-head", "B"), ("chapter-head", "C"))
GUESS = Entry(side="right", counter=40, strings=(("book-head", "Another"),))


@pytest.fixture(scope="module")
def typeset(tmp_path_factory):
    project = make(tmp_path_factory.mktemp("furnish") / "book", 9000, 8)
    book = load_book(project)
    rendition = render(book, "paperback", load_project(Path(book.root)).layouts["paperback"], page_count=100,
                       chunk_size=1)
    typesetter = Typesetter(rendition, MODIFIED, True, Location("test")).undated()

    def lay_out(index: int, start: Entry, answer=None):
        """Chunk `index` laid out from `start`; with an `answer`, paginated from `start` and finished from what the
        walk answers (an Entry or telling.DROPPED), through the same channel as a build's."""
        content = chunks._document(rendition.chunks[index], start, {})
        if answer is None:
            return chunks._typeset(content, True, set(), typesetter)
        telling.start()
        with ThreadPoolExecutor(1) as thread:
            future = thread.submit(chunks._typeset, content, True, set(), typesetter, "key", start, 7)
            deadline = time.monotonic() + 120
            while not future.done() and time.monotonic() < deadline:
                for key, exit, reads, whom, _ in telling.heard():
                    telling.answer(whom, answer)  # first: a layout waiting for its answer must get one
                    assert key == "key" and (answer == telling.DROPPED or reads.furnishes(start, answer))
                time.sleep(0.01)
            return future.result()

    return lay_out


@pytest.mark.parametrize(("index", "side"), [(2, "left"), (3, "right")])
def test_a_chunk_paginated_from_a_guess_and_finished_from_its_start_is_the_chunk_laid_out_from_it(typeset, index,
                                                                                                   side):
    exact = Entry(side=side, counter=12, strings=HEADS)
    layout, reads = typeset(index, exact)
    finished, finished_reads = typeset(index, GUESS, answer=exact)
    assert finished == layout and finished_reads == reads
    assert layout.counters[0].value == 13 and reads.blank == (side == "right")  # the pages follow page 12
    assert all(counter.printed in (None, str(counter.value)) for counter in layout.counters)
    assert any(counter.printed for counter in layout.counters)


def test_a_guess_the_walk_does_not_want_is_dropped_once_paginated(typeset):
    assert typeset(2, GUESS, answer=telling.DROPPED) is None
