"""Chunks laid out on several cores before their turn, from where they will start (chunks.py lays out).

A chunk's layout depends on where the chunk before it ended, so the book is taken in order. But where a chunk starts
changes only its page furniture (the folios and running heads, made last: furnish.py) and whether a blank page opens
it, so a chunk is paginated (~60% of its time) from a guessed start, tells where it ends from there (telling.py),
and waits for the walk to answer with the real start, known as soon as the chunk before it has told where it ends;
it is then finished from the real start and written, the same bytes as a layout from it. Each core (a thread of the
build's own process, and `workers` - 1 processes) takes, when free, the next chunk not laid out nor under way, from
the best start known: a layout's, done or told; the last build's plan while the chunks keep their page counts; else
an estimate (the page count from the last build's or the chunk's letters, at the rate of the chunks laid out) on a
right-hand page, from which a chapter that opens on a right-hand page can be finished on either side. A guess that
cannot be finished (its text shows the page counter, or the chunk does not open on a right-hand page and the side
is wrong) is dropped, and the walk then guesses no more: the next chunk waits for the chunk before to tell its end.
A layout made from an exact start, or in a process that cannot wait (not forked from the build's), is finished from
its own start and kept if the chunk reads nothing it got wrong (`Reads.allows`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ThreadPoolExecutor, wait

from bookforge.print import telling
from bookforge.print.records import ChunkLayout, Entry
from bookforge.print.starts import Book, Outcome, Run, Tried, moved, scale
from bookforge.workers import Workers

LOOKAHEAD = 2
"""Chunks guessed ahead of the next in order, per process: further guesses rest on too many estimates."""
POLL_SECONDS = 0.02


class Ahead:
    """Lays the chunks of one pass out in order, the next ones ahead in `workers` - 1 other processes (`executor`, or
    a pool of its own) and a thread of this one.

    The walk hears of each layout as soon as its pages are made (this process's own run in a thread for that), tells
    a layout paginated from a guess the real start as soon as it is known, and gives a freed lane the most useful
    layout then known: the next chunk in order, else the first chunk not laid out, from the best start known.
    """

    MINIMUM = 3  # fewer chunks to lay out are not worth starting processes for
    _tickets = itertools.count(1)

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
        self.running: dict[Future, Run] = {}
        self.keys_tried: set[str] = set()
        self.made = 0  # layouts made in this pass, here and elsewhere
        self.dropped = 0  # layouts paginated from a guess that could not be finished
        self.position: tuple[int, Entry | None] = (0, None)  # the chunk the walk waits for, and its start
        self.guessing = True  # laying out from estimates, until one misses
        self.layouts: list[ChunkLayout] = []  # this pass's, so far
        self.prefetched: dict[str, ChunkLayout] = {}  # the next pass's first chunk, by key
        self.prefetching = False  # tried in this pass

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc) -> None:
        for future in self.running:
            future.cancel()  # those not started
        # A layout that waits for its start, or will once paginated, is told it is not wanted: this process's thread
        # must end, and a forked pool of the caller's goes on serving.
        self.book = None
        forked = isinstance(self.pool, Workers) and self.pool.forked and self.pool is not self.own_pool
        while any(not future.done() and (run.here or forked) for future, run in self.running.items()):
            self._listen()
            self._drop_waiting(every=True)
            wait(self.running, timeout=POLL_SECONDS)
        telling.unshare(self.typesetter)
        if self.here is not None:
            self.here.shutdown(wait=True)
        if self.own_pool is not None:
            self.own_pool.close()

    # -- the walk in order -----------------------------------------------------------------------------------------

    def walk(self, book: Book, on_chunk: Callable[[int, str, ChunkLayout, bool], None]) -> Outcome:
        """Every chunk of `book` in order, each from where the one before it ended; `on_chunk(index, key, layout,
        new)` is told of each (`new`: not from the store) as soon as it is known."""
        self.book, self.tried, self.keys_tried, self.made, self.dropped = book, {}, set(), 0, 0
        first = book.key_of(0, None)[0]
        # Layouts still under way from the last pass (other proxies) are not taken in, but keep their lanes busy;
        # the first chunk laid out for this pass before it began is.
        for run in self.running.values():
            run.index = 0 if run.prefetch and run.key == first else None
        self._drop_waiting()
        outcome = Outcome(layouts=[])
        self.layouts, self.prefetching = outcome.layouts, False
        entry: Entry | None = None
        for index in range(book.count):
            self.check()
            key, content = book.key_of(index, entry)
            layout = book.stored(key)
            new = layout is None
            if new:
                layout = self.prefetched.pop(key, None) or self._take(index, entry, content, outcome)
                outcome.laid_out.add(index)
            outcome.layouts.append(layout)
            on_chunk(index, key, layout, new)
            entry = layout.exit
        self.position = (book.count, entry)
        self.prefetched = {}
        self._drop_waiting()
        under_way = sum(run.index is not None for run in self.running.values())
        outcome.missed = self.made + self.dropped + under_way - len(outcome.laid_out)
        return outcome

    def _take(self, index: int, entry: Entry | None, content: str, outcome: Outcome) -> ChunkLayout:
        """Chunk `index` laid out from `entry`: from a guess that proved right, or laid out now."""
        self.position = (index, entry)
        while True:
            tried = self._tried(index, entry)
            if tried is not None:
                if tried[1]:
                    outcome.ahead.add(index)
                return tried[0]
            if not self._parallel(index, entry):
                self.made += 1
                return self.book.typeset(content, entry is not None, self.book.proxies(index), self.typesetter)[0]
            self._answer()
            self._schedule(index, entry)
            self._prefetch()
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
        has told)."""
        for run in self.running.values():
            if run.index != index:
                continue
            if run.told is not None:
                reads = run.told[1]
                if run.answered == guess or reads.allows(run.guess, guess) or (
                        run.whom is not None and run.answered is None and reads.furnishes(run.guess, guess)):
                    return True
            elif run.guess is None or guess is None:
                if run.guess == guess:
                    return True
            elif run.guess.side == guess.side or (run.ticket is not None and run.guess.side == "right"):
                return True
        return False

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
                telling.start()
                starting = isinstance(self.pool, Workers) and not self.pool.started
                shared = telling.Shared(self.typesetter)
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
            here_free = not any(run.here for run in self.running.values())
            elsewhere_free = sum(not run.here for run in self.running.values()) < self.processes
            if not (here_free or elsewhere_free):
                return
            if ahead > index:
                before = guess
                guess, sure = self._start_after(ahead - 1, before)
                guessed = True
                if not sure:
                    if not self.guessing and self._taken(ahead - 1, before):
                        return  # the layout of the chunk before tells where it ends within ~60% of its time: wait
                    if self.book.stored(self.book.key_of(ahead, guess)[0]) is not None:
                        continue  # probably laid out by the last build or pass
                    # Paginated from a right-hand start, a chapter that opens on a right-hand page can be finished
                    # from either side (furnish.py).
                    guess = guess.model_copy(update={"side": "right"})
            if self._tried(ahead, guess) is not None or self._taken(ahead, guess):
                continue
            key, content = self.book.key_of(ahead, guess)
            if key in self.keys_tried or self.book.stored(key) is not None:
                continue
            lane = self.here if here_free else self.pool
            ticket = next(self._tickets) if guessed else None
            try:
                future = lane.submit(self.book.typeset, content, guess is not None, self.book.proxies(ahead),
                                     self.typesetter if lane is self.here else self.sent, key, guess, ticket)
            except BrokenExecutor:  # a worker died earlier: the build goes on in this process
                self.workers = 1
                return
            self.running[future] = Run(ahead, guess, key, lane is self.here, guessed, ticket)
            self.keys_tried.add(key)

    def _collect(self) -> None:
        """Wait for a layout under way to be done or to tell where it ends, and take in what is known."""
        while self.running:
            done, _ = wait(self.running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            told = self._listen()
            for future in done:
                run = self.running.pop(future)
                if future.cancelled():
                    continue
                try:
                    result = future.result()
                except BrokenExecutor:  # a worker died (out of memory, killed): this process lays the chunk out
                    self.workers = 1
                    continue
                if result is None:  # paginated from a guess that could not be finished
                    self.dropped += 1
                    self.guessing = False
                elif run.index is None and run.prefetch:
                    self.prefetched[run.key] = result[0]
                elif run.index is not None:
                    layout, reads = result
                    start = run.answered if isinstance(run.answered, Entry) else run.guess
                    self.tried.setdefault(run.index, []).append(Tried(start, layout, reads, run.guessed))
                    self.made += 1
            if done or told:
                return

    def _listen(self) -> bool:
        """Take in where the layouts under way end, as they tell it, and answer those that wait; whether any
        told."""
        runs = {run.key: run for run in self.running.values()}
        told = False
        for key, exit, reads, whom, anchors in telling.heard():
            run = runs.get(key)
            if run is None:
                if whom is not None:
                    telling.answer(whom, telling.DROPPED)
                continue
            run.told, run.whom, run.anchors, told = (exit, reads), whom, anchors, True
        self._answer()
        return told

    def _answer(self) -> None:
        """Tell each layout that waits for its start the real one, from the walk's position on, as far as the starts
        are known; a layout that cannot be finished from it is dropped."""
        index, entry = self.position
        while self.book is not None and index < self.book.count:
            runs = [run for run in self.running.values() if run.index == index]
            covered = self._tried(index, entry) is not None or any(
                run.answered == entry or run.whom is None and run.told is not None
                and run.told[1].allows(run.guess, entry) for run in runs)
            for run in runs:
                if run.whom is not None and run.answered is None:
                    wanted = not covered and run.told[1].furnishes(run.guess, entry)
                    run.answered = entry if wanted else telling.DROPPED
                    telling.answer(run.whom, run.answered)
                    covered = covered or wanted
            entry = self._exit(index, entry)
            if entry is None:
                return
            index += 1

    def _prefetch(self) -> None:
        """Once every chunk's start and the pages of its element ids are known (told, before the last chunks are
        written), lay the next pass's first chunk (the contents, with the page numbers found) out on a free lane."""
        here_free = not any(run.here for run in self.running.values())
        if self.prefetching or not (here_free or sum(not run.here for run in self.running.values()) < self.processes):
            return
        start, entry = self.position
        found = {ident: layout.counters[page].value for layout in self.layouts
                 for ident, page in layout.anchors.items()}
        for index in range(start, self.book.count):
            anchors = self._anchors(index, entry)
            entry = self._exit(index, entry)
            if anchors is None or entry is None:
                return
            found |= anchors
        self.prefetching = True
        first = self.book.next_first(found)
        if first is None:
            return
        key, content = first
        lane = self.here if here_free else self.pool
        future = lane.submit(self.book.typeset, content, False, self.book.proxies(0),
                             self.typesetter if lane is self.here else self.sent, key)
        self.running[future] = Run(None, None, key, lane is self.here, False, prefetch=True)

    def _anchors(self, index: int, entry: Entry | None) -> dict[str, int] | None:
        """The page counter of each element id of chunk `index` from `entry`, if a layout of it, done or telling,
        says for sure."""
        found = self._tried(index, entry)
        if found is not None:
            return {ident: found[0].counters[page].value for ident, page in found[0].anchors.items()}
        for run in self.running.values():
            if run.index != index or run.told is None or run.anchors is None or entry is None or run.guess is None:
                continue
            exit, reads = run.told
            if run.whom is not None and (run.answered == entry if run.answered is not None
                                         else reads.furnishes(run.guess, entry)):
                shift = entry.counter - run.guess.counter - (run.guess.side != entry.side)
            elif run.whom is None and reads.allows(run.guess, entry):
                shift = entry.counter - run.guess.counter
            else:
                continue
            return {ident: value + shift * moves for ident, (value, moves) in run.anchors.items()}
        return None

    def _drop_waiting(self, every: bool = False) -> None:
        """Tell the layouts that wait for the start of a chunk the walk no longer needs (`every`: of any chunk)
        that they are not wanted."""
        self._answer()
        for run in self.running.values():
            if run.whom is not None and run.answered is None and (every or run.index is None or self.book is None
                                                                  or run.index < self.position[0]):
                run.answered = telling.DROPPED
                telling.answer(run.whom, telling.DROPPED)

    # -- guesses ---------------------------------------------------------------------------------------------------

    def _exit(self, index: int, entry: Entry | None) -> Entry | None:
        """Where chunk `index` ends if it starts from `entry`, if a layout of it, done or telling, says for sure."""
        found = self._tried(index, entry)
        if found is not None:
            return found[0].exit
        for run in self.running.values():
            if run.index != index or run.told is None:
                continue
            exit, reads = run.told
            if run.whom is not None and (run.answered == entry if run.answered is not None
                                         else reads.furnishes(run.guess, entry)):
                return reads.furnished_exit(exit, run.guess, entry)
            if run.whom is None and reads.allows(run.guess, entry):
                return reads.exit(exit, run.guess, entry)
        return None

    def _guess_after(self, index: int, entry: Entry | None) -> Entry:
        return self._start_after(index, entry)[0]

    def _start_after(self, index: int, entry: Entry | None) -> tuple[Entry, bool]:
        """Where chunk `index` + 1 starts if chunk `index` starts from `entry`, and whether that is more than an
        estimate: from a layout of it, done or telling where it ends (moved if it was laid out from elsewhere), else
        from the last build's plan (moved alike) while the chunks keep their page counts, else from an estimate of
        its page count."""
        exit = self._exit(index, entry)
        if exit is not None:
            return exit, True
        tried = self.tried.get(index, [])
        told = [run for run in self.running.values() if run.index == index and run.told is not None]
        if tried:
            attempt = tried[-1]
            return moved(attempt.layout.exit, attempt.guess, entry, not attempt.reads.resets), True
        if told:
            exit, reads = told[-1].told
            return moved(exit, told[-1].guess, entry, not reads.resets), True
        plan, rate = self.book.plan, scale(self.book, self.tried)
        planned = index + 1 < len(plan) and plan[index + 1] is not None
        if planned and (rate is None or abs(rate - 1) < 0.005):
            # Sure once a chunk laid out kept its page count from the plan (a change of style may change them all).
            return moved(plan[index + 1], plan[index], entry, True), rate is not None
        pages = max(1, round(self.book.base(index) * rate if rate is not None else self.book.estimate(index)))
        blank = entry is not None and entry.side == "right"
        counter = (entry.counter if entry is not None else 0) + blank + pages
        strings = plan[index + 1].strings if planned else entry.strings if entry is not None else ()
        return Entry(side="right" if pages % 2 else "left", counter=counter, strings=strings), False
