"""One long print edition across the cluster: from inside its task on a Dask worker, the chunks laid out ahead
(print/ahead.py takes any concurrent.futures executor) go to the cluster's other workers as tasks of their own."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from concurrent.futures import BrokenExecutor, CancelledError, Executor, Future
from contextlib import contextmanager
from typing import Any

CHUNK_PRIORITY = 1 << 30
"""Above every edition's (its expected pages): an edition under way waits for its chunks."""


class ClusterChunks(Executor):
    """The Dask cluster this task runs on, as an executor for its edition's chunks.

    On its first task it secedes from the worker's pool (Dask's way for a task that waits on tasks it submits: two
    long editions waiting on each other's chunks cannot hold both slots). It sends its tasks to the other workers,
    for this one's core lays the next chunk in order out (ahead.py's own lane); on a cluster of one, to this one.
    A task Dask gives up on (cancelled, its typesetter lost with the workers that held it; or killing its workers
    again and again) ends as a broken executor, after which ahead.py lays the chunks out in this process: a
    cancelled layout it would wait for in vain.
    """

    def __init__(self) -> None:
        self._client: Any = None
        self._here = ""
        self._executor: Executor | None = None
        self._shared: dict[int, tuple[object, Any]] = {}

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self._executor is None:
            self._executor = self._start()
        sent = self._executor.submit(fn, *self._remote(fn, args), priority=CHUNK_PRIORITY, **kwargs)
        outcome: Future = Future()
        outcome.add_done_callback(lambda _: outcome.cancelled() and sent.cancel())
        sent.add_done_callback(lambda _: _settle(outcome, sent))
        return outcome

    def _start(self) -> Executor:
        from distributed import get_client, get_worker, secede

        self._here = get_worker().address
        self._client = get_client()
        # Not rejoined at the end, as in Dask's own example: rejoining waits for a free slot on this worker (another
        # edition may hold it), which would hold this edition's bytes back.
        secede()
        others = [address for address in self._client.scheduler_info()["workers"] if address != self._here]
        return self._client.get_executor(pure=False, workers=others or None, allow_other_workers=True)

    def _remote(self, fn, args: tuple) -> tuple:
        """`args` as sent: the typesetter (the rendition: the book's HTML, fonts and images, its inputs as content)
        put on the cluster once and sent as a handle; no `key` to tell the walk with (ahead.tell's queue is this
        process's: in another worker's it is nobody's, and would fill up)."""
        from bookforge.print.writer import Typesetter

        try:
            bound = inspect.signature(fn).bind(*args)
        except (TypeError, ValueError):  # a builtin: ahead.py starts its lanes with `int()`
            return args
        if "key" in bound.arguments:
            bound.arguments["key"] = None
        return tuple(self._share(arg) if isinstance(arg, Typesetter) else arg for arg in bound.args)

    def _share(self, typesetter) -> Any:
        kept = self._shared.get(id(typesetter))
        if kept is None:
            handle = self._client.scatter(typesetter, workers=[self._here], hash=False)
            kept = self._shared[id(typesetter)] = typesetter, handle
        return kept[1]

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel what is still under way (this edition is done, or failed) and let the typesetters go."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._client.cancel([handle for _, handle in self._shared.values()])
            self._executor, self._shared = None, {}


def _settle(outcome: Future, sent: Future) -> None:
    """`outcome` (ahead.py's) as the task `sent` ended (called in the client's thread: nothing here waits)."""
    from distributed import KilledWorker

    error = BrokenExecutor("a chunk's task was lost with a worker") if sent.cancelled() else sent.exception()
    if isinstance(error, (CancelledError, KilledWorker)):
        error = BrokenExecutor(f"a chunk's task was lost with a worker: {error!r}")
    if not outcome.set_running_or_notify_cancel():  # cancelled by ahead.py
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(sent.result())


@contextmanager
def chunks_on_the_cluster(workers: int) -> Iterator[Executor | None]:
    """An executor for an edition's chunks when it runs on a cluster of `workers` (None: fewer than two)."""
    if workers < 2:
        yield None
        return
    executor = ClusterChunks()
    try:
        yield executor
    finally:
        executor.shutdown()
