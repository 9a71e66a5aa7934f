"""Chunks laid out on several cores before their turn, from where they will start (chunks.py lays out).

A chunk's layout depends on where the chunk before it ended, so the book is taken in order; but a layout knows
where its chunk ends once its pages are made, ~60% of the way through (the rest is writing the PDF), and tells it
then (`tell`): the next chunk starts on another core from there while this one is written. Each core (a thread of
the build's own process, and `workers` - 1 processes) takes, when free, the most useful layout then known: the next
chunk in order, else the first chunk after it whose start is known (told, laid out, or the last build's plan while
the chunks keep their page counts); only when the chunk before it has no layout under way does it start from an
estimate (the chunk's page count from its last build's or its letters, at the rate of the chunks laid out). A
layout from a start that proves wrong is kept if the chunk reads nothing it got wrong (`Reads`: a chapter that sets
its running heads on its first page and restarts or hides the folio is the same after any start on the same side);
else it still tells the chunk's page count, so the next start is exact. So no more layouts are under way than there
are cores, and almost none is thrown away: `--jobs 2` does the work of `--jobs 1`, on two cores.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from bookforge.print.records import ChunkLayout, Entry
from bookforge.workers import Workers

LOOKAHEAD = 2
"""Chunks guessed ahead of the next in order, per process: further guesses rest on too many estimates."""
POLL_SECONDS = 0.02
_told: multiprocessing.queues.SimpleQueue | None = None
"""Where a layout under way tells where it ends, once its pages are made and before they are written (~40% of its
time): the next chunk can start from there. Made before the processes fork, so that they have it too. A SimpleQueue
writes to its pipe from the caller's thread: a Queue would leave a feeder thread running in the build's process,
after which no later pool there could fork."""


def tell(key: str | None, exit: Entry, reads: Reads) -> None:
    """Tell the walk where the layout under way as `key` ends (chunks._typeset calls it)."""
    if key is not None and _told is not None:
        _told.put((key, exit, reads))


_SHARED: dict[int, object] = {}
"""Typesetters of layouts under way, by id: processes forked after one was put here have it (see `_Shared`)."""


class _Shared:
    """A typesetter that processes forked after it was shared already hold: sent as its id (rather than ~4 MB of
    fonts and HTML to unpickle for each chunk)."""

    def __init__(self, typesetter):
        self.ident = id(typesetter)
        _SHARED[self.ident] = typesetter

    def __reduce__(self):
        return _shared, (self.ident,)


def _shared(ident: int):
    return _SHARED[ident]


def _telling() -> None:
    global _told
    if _told is None:
        _told = multiprocessing.get_context("fork").SimpleQueue()


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


@dataclass
class Outcome:
    layouts: list[ChunkLayout]
    laid_out: set[int] = field(default_factory=set)
    ahead: set[int] = field(default_factory=set)
    """Chunks laid out before their turn, from a guess that proved right."""
    missed: int = 0
    """Layouts made (or started) from a guess that proved wrong: work thrown away."""


class Ahead:
    """Lays the chunks of one pass out in order, the next ones ahead in `workers` - 1 other processes (`executor`, or
    a pool of its own) and a thread of this one.

    The walk hears of each layout as soon as it is done (this process's own run in a thread for that) and gives the
    freed process the most useful layout then known: the next chunk in order, else the first guess not laid out.
    """

    MINIMUM = 3  # fewer chunks to lay out are not worth starting processes for

    def __init__(self, typesetter, workers: int, executor: Executor | None = None,
                 check: Callable[[], None] = lambda: None):
        self.typesetter, self.workers, self.executor, self.check = typesetter, workers, executor, check
        self.processes = max(1, workers - 1)  # besides this one
        self.own_pool: Workers | None = None
        self.pool: Executor | None = None  # once there are enough chunks to lay out: `executor`, or own_pool
        self.here: ThreadPoolExecutor | None = None
        self.sent = typesetter  # what is sent to the processes for the typesetter
        self.book: Book | None = None
        self.tried: dict[int, list[Tried]] = {}
        self.running: dict[Future, tuple[int | None, Entry | None, str, bool]] = {}  # index, guess, key, here
        self.keys_tried: set[str] = set()
        self.guessed: dict[str, bool] = {}  # by key, the layouts under way: made before their turn
        self.told: dict[str, tuple[Entry, Reads]] = {}  # by key, where layouts under way end
        self.made = 0  # layouts made in this pass, here and elsewhere

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc) -> None:
        _SHARED.pop(id(self.typesetter), None)
        for future in self.running:
            future.cancel()
        if self.here is not None:
            self.here.shutdown(wait=True, cancel_futures=True)  # the layout under way ends (it cannot be stopped)
        if self.own_pool is not None:
            self.own_pool.close()

    # -- the walk in order -----------------------------------------------------------------------------------------

    def walk(self, book: Book, on_chunk: Callable[[int, str, ChunkLayout, bool], None]) -> Outcome:
        """Every chunk of `book` in order, each from where the one before it ended; `on_chunk(index, key, layout,
        new)` is told of each (`new`: not from the store) as soon as it is known."""
        self.book, self.tried, self.keys_tried, self.made = book, {}, set(), 0
        # Layouts still under way from the last pass (other proxies) are not taken in, but keep their lanes busy.
        self.running = {future: (None, *rest) for future, (_, *rest) in self.running.items()}
        outcome = Outcome(layouts=[])
        entry: Entry | None = None
        for index in range(book.count):
            self.check()
            key, content = book.key_of(index, entry)
            layout = book.stored(key)
            new = layout is None
            if new:
                layout = self._take(index, entry, content, outcome)
                outcome.laid_out.add(index)
            outcome.layouts.append(layout)
            on_chunk(index, key, layout, new)
            entry = layout.exit
        outcome.missed = self.made + sum(i is not None for i, _, _, _ in self.running.values()) - len(outcome.laid_out)
        return outcome

    def _take(self, index: int, entry: Entry | None, content: str, outcome: Outcome) -> ChunkLayout:
        """Chunk `index` laid out from `entry`: from a guess that proved right, or laid out now."""
        while True:
            tried = self._tried(index, entry)
            if tried is not None:
                if tried[1]:
                    outcome.ahead.add(index)
                return tried[0]
            if not self._parallel(index, entry):
                self.made += 1
                return self.book.typeset(content, entry is not None, self.book.proxies(index), self.typesetter)[0]
            self._schedule(index, entry)
            self._collect()
            self.check()

    def _tried(self, index: int, entry: Entry | None) -> tuple[ChunkLayout, bool] | None:
        """The chunk laid out from a start that proves right for `entry`, and whether that was a guess."""
        for tried in self.tried.get(index, ()):
            if tried.reads.allows(tried.guess, entry):
                return tried.reads.rebased(tried.layout, tried.guess, entry), tried.guessed
        return None

    def _taken(self, index: int, guess: Entry | None) -> bool:
        """Whether a layout under way will probably do for chunk `index` from `guess` (Reads says for sure once it
        is done)."""
        return any(i == index and (g.side == guess.side if g is not None and guess is not None else g == guess)
                   for i, g, _, _ in self.running.values())

    # -- the processes --------------------------------------------------------------------------------------------

    def _parallel(self, index: int, entry: Entry | None) -> bool:
        """Whether to use other processes: asked for, and enough chunks ahead not laid out."""
        if self.workers < 2:
            return False
        if self.pool is not None:
            return True
        missing, guess = 0, entry
        for i in range(index, min(self.book.count, index + 2 * self.MINIMUM)):
            if i > index:
                guess = self._guess_after(i - 1, guess)
            missing += self.book.stored(self.book.key_of(i, guess)[0]) is None
            if missing >= self.MINIMUM:
                if self.executor is None:
                    self.executor = self.own_pool = Workers(self.processes, fork=True)
                self.pool = self.executor
                # The processes start now, before this process has a thread of its own (they may fork then,
                # holding the typesetter and where to tell).
                _telling()
                starting = isinstance(self.pool, Workers) and not self.pool.started
                shared = _Shared(self.typesetter)
                self.pool.submit(int)
                if starting and self.pool.forked:
                    self.sent = shared
                self.here = ThreadPoolExecutor(1, thread_name_prefix="bookforge-chunk")
                return True
        return False

    def _schedule(self, index: int, entry: Entry | None) -> None:
        """Give each idle lane the next chunk not laid out nor under way: chunk `index` from `entry`, else the
        chunks after it from the best guesses known. This process's lane takes the first (nothing to send back)."""
        guess, guessed = entry, False  # where chunk `ahead` starts
        for ahead in range(index, min(self.book.count, index + 1 + LOOKAHEAD * self.workers)):
            here_free = not any(here for _, _, _, here in self.running.values())
            elsewhere_free = sum(not here for _, _, _, here in self.running.values()) < self.processes
            if not (here_free or elsewhere_free):
                return
            if ahead > index:
                before = guess
                guess, sure = self._start_after(ahead - 1, before)
                if not sure and self._taken(ahead - 1, before):
                    return  # the layout of the chunk before tells where it ends within ~60% of its time: wait
                guessed = True
            if self._tried(ahead, guess) is not None or self._taken(ahead, guess):
                continue
            key, content = self.book.key_of(ahead, guess)
            if key in self.keys_tried or self.book.stored(key) is not None:
                continue
            lane = self.here if here_free else self.pool
            try:
                future = lane.submit(self.book.typeset, content, guess is not None, self.book.proxies(ahead),
                                     self.typesetter if lane is self.here else self.sent, key)
            except BrokenExecutor:  # a worker died earlier: the build goes on in this process
                self.workers = 1
                return
            self.running[future] = (ahead, guess, key, lane is self.here)
            self.keys_tried.add(key)
            self.guessed[key] = guessed

    def _collect(self) -> None:
        """Wait for a layout under way to be done or to tell where it ends, and take in what is known."""
        while self.running:
            done, _ = wait(self.running, timeout=POLL_SECONDS if _told is not None else None,
                           return_when=FIRST_COMPLETED)
            told = self._listen()
            for future in done:
                index, guess, key, _ = self.running.pop(future)
                self.told.pop(key, None)
                if future.cancelled():
                    continue
                try:
                    layout, reads = future.result()
                except BrokenExecutor:  # a worker died (out of memory, killed): this process lays the chunk out
                    self.workers = 1
                    continue
                if index is not None:
                    self.tried.setdefault(index, []).append(Tried(guess, layout, reads, self.guessed.pop(key, True)))
                    self.made += 1
            if done or told:
                return

    def _listen(self) -> bool:
        """Take in where the layouts under way end, as they tell it; whether any did."""
        under_way = {key for _, _, key, _ in self.running.values()}
        told = False
        while _told is not None and not _told.empty():
            key, exit, reads = _told.get()
            if key in under_way:
                self.told[key] = (exit, reads)
                told = True
        return told

    # -- guesses ---------------------------------------------------------------------------------------------------

    def _guess_after(self, index: int, entry: Entry | None) -> Entry:
        return self._start_after(index, entry)[0]

    def _start_after(self, index: int, entry: Entry | None) -> tuple[Entry, bool]:
        """Where chunk `index` + 1 starts if chunk `index` starts from `entry`, and whether that is more than an
        estimate: from a layout of it, done or telling where it ends (moved if it was laid out from elsewhere), else
        from the last build's plan (moved alike) while the chunks keep their page counts, else from an estimate of
        its page count."""
        tried = self.tried.get(index, [])
        found = self._tried(index, entry)
        if found is not None:
            return found[0].exit, True
        telling = [(guess, *self.told[key]) for i, guess, key, _ in self.running.values()
                   if i == index and key in self.told]
        for guess, exit, reads in telling:
            if reads.allows(guess, entry):
                return reads.exit(exit, guess, entry), True
        if tried:
            attempt = tried[-1]
            return _moved(attempt.layout.exit, attempt.guess, entry, not attempt.reads.resets), True
        if telling:
            guess, exit, reads = telling[-1]
            return _moved(exit, guess, entry, not reads.resets), True
        plan, scale = self.book.plan, self._scale()
        planned = index + 1 < len(plan) and plan[index + 1] is not None
        if planned and (scale is None or abs(scale - 1) < 0.005):
            # Sure once a chunk laid out kept its page count from the plan (a change of style may change them all).
            return _moved(plan[index + 1], plan[index], entry, True), scale is not None
        pages = max(1, round(self._base(index) * scale if scale is not None else self.book.estimate(index)))
        blank = entry is not None and entry.side == "right"
        counter = (entry.counter if entry is not None else 0) + blank + pages
        strings = plan[index + 1].strings if planned else entry.strings if entry is not None else ()
        return Entry(side="right" if pages % 2 else "left", counter=counter, strings=strings), False

    def _base(self, index: int) -> float:
        """What chunk `index`'s page count is proportional to: its pages in the last build, else its letters."""
        plan = self.book.plan
        if index + 1 < len(plan) and plan[index] is not None and plan[index + 1] is not None:
            return max(1, plan[index + 1].counter - plan[index].counter - (plan[index].side == "right"))
        return self.book.texts[index]

    def _scale(self) -> float | None:
        """Pages per unit of `_base`, from the chunks laid out so far (but the front matter, the last chunk, and a
        chunk that resets the page counter); None before any."""
        pages = base = 0.0
        for i, tried in self.tried.items():
            if 0 < i < self.book.count - 1 and tried and not tried[-1].reads.resets:
                pages += len(tried[-1].layout.counters) - tried[-1].reads.blank
                base += self._base(i)
        return pages / base if base else None


def _moved(exit: Entry, start: Entry | None, now: Entry | None, counts: bool) -> Entry:
    """`exit` of a chunk that started at `start`, had it started at `now`: chapters open on right-hand pages, so
    what moves is the first right-hand page after the start (nothing, if the chunk resets the page counter)."""
    if start is None or now is None or not counts:
        return exit

    def first_right(entry: Entry) -> int:
        return entry.counter + (2 if entry.side == "right" else 1)

    return exit.model_copy(update={"counter": exit.counter + first_right(now) - first_right(start)})
