"""What a chunk paginated from a guessed start can be finished as (print/starts.py `Reads.furnishes`), and where it
then ends: the rules the walk of ahead.py answers a waiting layout by."""

from __future__ import annotations

from bookforge.print.records import Entry
from bookforge.print.starts import Reads

HEADS = (("chapter-head", "One"),)
GUESS = Entry(side="right", counter=40, strings=(("book-head", "Guessed"),))
EXIT = Entry(side="left", counter=77, strings=(("book-head", "Guessed"), ("chapter-head", "Two")))


def reads(**changes) -> Reads:
    return Reads(**{"counter": True, "resets": False, "strings_set": frozenset(), "blank": True,
                    "text_counter": False, "sets": (("chapter-head", "Two"),)} | changes)


def test_a_right_hand_guess_opening_on_a_blank_page_is_finished_on_either_side_from_any_counter():
    for exact in (Entry(side="left", counter=12, strings=HEADS), Entry(side="right", counter=12, strings=HEADS)):
        assert reads().furnishes(GUESS, exact)
    left = Entry(side="left", counter=12, strings=HEADS)
    # No blank page when it starts after a left-hand page: one page fewer than from the right-hand guess.
    assert reads().furnished_exit(EXIT, GUESS, left) == Entry(side="left", counter=77 + 12 - 40 - 1, strings=(
        ("chapter-head", "Two"),))
    right = Entry(side="right", counter=12, strings=(("book-head", "Real"),))
    assert reads().furnished_exit(EXIT, GUESS, right) == Entry(side="left", counter=77 + 12 - 40, strings=(
        ("book-head", "Real"), ("chapter-head", "Two")))


def test_a_guess_is_not_finished_where_its_pages_would_differ():
    left_guess = GUESS.model_copy(update={"side": "left"})
    assert not reads().furnishes(left_guess, GUESS)  # a blank page cannot be added
    assert not reads(blank=False).furnishes(GUESS, left_guess)  # no blank page to drop: every page changes side
    assert not reads(text_counter=True).furnishes(GUESS, GUESS.model_copy(update={"counter": 41}))
    assert reads(text_counter=True).furnishes(GUESS, GUESS)


def test_a_chunk_that_resets_the_page_counter_ends_where_it_ends_from_any_start():
    exact = Entry(side="left", counter=3, strings=())
    assert reads(resets=True).furnished_exit(EXIT, GUESS, exact).counter == 77
