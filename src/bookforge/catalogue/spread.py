"""One long print edition across the cluster: from inside its task on a Dask worker, the chunks laid out ahead
(print/ahead.py takes any concurrent.futures executor) go to the cluster's other workers as tasks of their own."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any

CHUNK_PRIORITY = 1 << 30
"""Above every edition's (its expected pages): an edition under way waits for its chunks."""


class ClusterChunks(Executor):
    """The Dask cluster this task runs on, as an executor for its edition's chunks.

    On its first task it secedes from the worker's pool (Dask's way for a task that waits on tasks it submits: two
    long editions waiting on each other's chunks cannot hold both slots). It sends its tasks to the other workers,
    for this one's core lays the next chunk in order out (ahead.py's own lane); on a cluster of one, to this one.
    """

    def __init__(self) -> None:
        self._client: Any = None
        self._here = ""
        self._executor: Executor | None = None
        self._shared: dict[int, tuple[object, Any]] = {}

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self._executor is None:
            self._executor = self._start()
        return self._executor.submit(fn, *self._remote(fn, args), priority=CHUNK_PRIORITY, **kwargs)

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
        """Held by this worker: if another dies, the chunks it had are laid out elsewhere from this copy (lost with
        it, they would be cancelled, and ahead.py would wait for them in vain); if this one dies, so does the edition,
        which the catalogue sends again."""
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
