"""What the walk of ahead.py knows of the chunks: what a layout read of its start, the layouts tried, the chunks of a
pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bookforge.print.records import ChunkLayout, Entry


@dataclass(frozen=True)
class Reads:
    """What of its starting state a chunk's layout reads, besides the side it starts after (chunks._reads)."""

    counter: bool
    """A page shows the page counter before the chunk resets it: else any starting counter gives the same pages
    (and the same counters, moved alike: `rebased`)."""
    resets: bool
    """A page of the chunk resets the page counter: where it ends does not move with where it starts."""
    strings_set: frozenset[str]
    """Named strings the chunk sets before any page shows their starting value: those values are not read."""
    blank: bool
    """Its first page is a blank one (the chunk opens on a right-hand page after one)."""
    text_counter: bool = True
    """Its text (not its page furniture) shows a page counter: its pages are the same only from the same counter."""
    sets: tuple[tuple[str, str], ...] = ()
    """The named strings its pages set, the last value of each."""

    def furnishes(self, guess: Entry | None, exact: Entry | None) -> bool:
        """Whether the chunk paginated from `guess` can be finished as if laid out from `exact` (furnish.py): its page
        furniture is made from any counter and strings; from a right-hand start its blank page is dropped for a
        left-hand one."""
        if guess is None or exact is None:
            return guess == exact
        if self.text_counter and guess != exact:
            return False
        return guess.side == exact.side or (guess.side == "right" and self.blank)

    def furnished_exit(self, exit: Entry, guess: Entry, exact: Entry) -> Entry:
        """Where the chunk paginated from `guess` (ending at `exit`) ends, finished from `exact` (`furnishes`)."""
        dropped = guess.side != exact.side
        counter = exit.counter if self.resets else exit.counter + exact.counter - guess.counter - dropped
        return Entry(side=exit.side, counter=counter, strings=tuple(sorted((dict(exact.strings) | dict(self.sets))
                                                                          .items())))

    def allows(self, guess: Entry | None, exact: Entry | None) -> bool:
        """Whether the chunk laid out from `guess` is the one laid out from `exact` (its counters `rebased`)."""
        if guess is None or exact is None:
            return guess == exact
        if guess.side != exact.side or (self.counter and guess.counter != exact.counter):
            return False
        guessed, known = dict(guess.strings), dict(exact.strings)
        return all(guessed.get(name) == known.get(name) for name in (guessed.keys() | known.keys()) - self.strings_set)

    def rebased(self, layout: ChunkLayout, guess: Entry | None, exact: Entry | None) -> ChunkLayout:
        """`layout`, laid out from `guess`, with the page counters it has from `exact` (which `allows` it)."""
        shift = exact.counter - guess.counter if guess is not None and exact is not None else 0
        if not shift:
            return layout
        counters, moved = [], True
        for counter in layout.counters:
            moved = moved and not counter.reset
            counters.append(counter.model_copy(update={"value": counter.value + shift}) if moved else counter)
        return layout.model_copy(update={"counters": tuple(counters), "exit": self.exit(layout.exit, guess, exact)})

    def exit(self, exit: Entry, guess: Entry | None, exact: Entry | None) -> Entry:
        """Where the chunk laid out from `guess` ends (`exit`) had it started at `exact` (which `allows` it)."""
        if self.resets or guess is None or exact is None or guess.counter == exact.counter:
            return exit
        return exit.model_copy(update={"counter": exit.counter + exact.counter - guess.counter})


@dataclass
class Tried:
    """A chunk laid out from a guess."""

    guess: Entry | None
    layout: ChunkLayout
    reads: Reads
    guessed: bool = True
    """Laid out before the chunk before it was: ahead of its turn."""


@dataclass
class Book:
    """The chunks to lay out, as chunks.lay_out sees them for one pass."""

    count: int
    key_of: Callable[[int, Entry | None], tuple[str, str]]
    """(store key, HTML) of chunk i laid out from an entry."""
    stored: Callable[[str], ChunkLayout | None]
    typeset: Callable[..., tuple[ChunkLayout, Reads]]
    """chunks._typeset, in this process or another: (HTML, has prelude, proxies, typesetter)."""
    proxies: Callable[[int], set[str]]
    texts: Sequence[int]
    """Letters of text in each chunk, for estimates."""
    estimate: Callable[[int], float]
    """Pages a chunk of so many letters is estimated to fill, before any chunk is laid out."""
    plan: list[Entry | None]
    """Where each chunk started in the last build (None: unknown)."""
    next_first: Callable[[dict[str, int]], tuple[str, str] | None] = lambda found: None
    """(store key, HTML) of the next pass's first chunk (the contents), given the page counter of every element id
    found in this one; None if no next pass is needed for it."""

    def base(self, index: int) -> float:
        """What chunk `index`'s page count is proportional to: its pages in the last build, else its letters."""
        plan = self.plan
        if index + 1 < len(plan) and plan[index] is not None and plan[index + 1] is not None:
            return max(1, plan[index + 1].counter - plan[index].counter - (plan[index].side == "right"))
        return self.texts[index]


@dataclass
class Outcome:
    layouts: list[ChunkLayout]
    laid_out: set[int] = field(default_factory=set)
    ahead: set[int] = field(default_factory=set)
    """Chunks laid out before their turn, from a guess that proved right."""
    missed: int = 0
    """Layouts made (or started) from a guess that proved wrong: work thrown away."""


@dataclass
class Run:
    """A layout under way (ahead.py)."""

    index: int | None
    """Its chunk (None: ordered by an earlier pass, not taken in)."""
    guess: Entry | None
    key: str
    here: bool
    """In this process's thread."""
    guessed: bool
    """Ordered before the chunk before it was laid out: ahead of its turn."""
    ticket: int | None = None
    """It waits, once paginated, for the real start (telling.py)."""
    told: tuple[Entry, Reads] | None = None
    """Where it ends from `guess`, and what it reads, once told."""
    whom: tuple[str, int] | None = None
    answered: Entry | str | None = None
    """The start it was told to finish from (telling.DROPPED: none)."""
    anchors: dict[str, tuple[int, bool]] | None = None
    """Told: the page counter of each element id's page from `guess`, and whether it moves with the start."""
    prefetch: bool = False
    """The next pass's first chunk, laid out before this pass ends (`_prefetch`)."""


def scale(book: Book, tried: dict[int, list[Tried]]) -> float | None:
    """Pages per unit of `Book.base`, from the chunks laid out so far (but the front matter, the last chunk, and a
    chunk that resets the page counter); None before any."""
    pages = base = 0.0
    for i, layouts in tried.items():
        if 0 < i < book.count - 1 and layouts and not layouts[-1].reads.resets:
            pages += len(layouts[-1].layout.counters) - layouts[-1].reads.blank
            base += book.base(i)
    return pages / base if base else None


def moved(exit: Entry, start: Entry | None, now: Entry | None, counts: bool) -> Entry:
    """`exit` of a chunk that started at `start`, had it started at `now`: chapters open on right-hand pages, so
    what moves is the first right-hand page after the start (nothing, if the chunk resets the page counter)."""
    if start is None or now is None or not counts:
        return exit

    def first_right(entry: Entry) -> int:
        return entry.counter + (2 if entry.side == "right" else 1)

    return exit.model_copy(update={"counter": exit.counter + first_right(now) - first_right(start)})
