"""Where the catalogue's tasks run: a process pool on this machine, or a Dask cluster (a LocalCluster, or one at a
scheduler's address). The build talks to both through the same few calls."""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from bookforge.catalogue.pack import BookPack

POOL, CLUSTER = "pool", "cluster"
DEFAULT = POOL
"""The embedded default, as measured by bench/catalogue.py (README, "Catalogue"): a pool starts sooner than a
LocalCluster and runs the same tasks in the same time."""


class Engine(Protocol):
    name: str
    workers: int
    dashboard: str | None
    spreads_chunks: bool
    """A task may send tasks of its own to the workers: a long print edition's chunks (spread.py)."""

    def share(self, pack: BookPack) -> Any:
        """What to pass as a task's pack: the pack itself, or a handle to it on the cluster."""

    def submit(self, fn: Callable, *args, priority: int = 0) -> Any: ...

    def wait(self, futures: Iterable, timeout: float) -> set:
        """Those of `futures` that are done (waits until one is, or for `timeout` seconds)."""

    def lost(self, future, exc: BaseException) -> bool:
        """Whether `exc` is the loss of a worker or of a task's input, which sending the task again mends."""

    def close(self) -> None: ...


class PoolEngine:
    """Worker processes on this machine; one killed takes the pool down with it, and a new pool is started."""

    name = "process pool"
    dashboard = None
    spreads_chunks = False

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.pools: weakref.WeakKeyDictionary[Future, ProcessPoolExecutor] = weakref.WeakKeyDictionary()

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # "spawn": the caller may have threads (a progress display), and a forked child of one can deadlock.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self.pool

    def share(self, pack: BookPack) -> BookPack:
        return pack

    def submit(self, fn: Callable, *args, priority: int = 0) -> Future:
        try:
            future = self._pool().submit(fn, *args)
        except BrokenProcessPool:
            self._replace(self.pool)
            future = self._pool().submit(fn, *args)
        self.pools[future] = self.pool
        return future

    def wait(self, futures: Iterable, timeout: float) -> set:
        done, _ = wait(list(futures), timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def lost(self, future, exc: BaseException) -> bool:
        if not isinstance(exc, BrokenProcessPool):
            return False
        self._replace(self.pools.pop(future, None))
        return True

    def _replace(self, pool: ProcessPoolExecutor | None) -> None:
        if pool is not None and pool is self.pool:  # every future of a broken pool fails: replace it once
            pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class DaskEngine:
    """A Dask cluster: its scheduler runs a task again elsewhere when a worker dies in the middle of it."""

    spreads_chunks = True

    def __init__(self, address: str | None = None, workers: int = 2, dashboard: bool = False):
        from distributed import Client, LocalCluster

        self.cluster = None
        if address is None:
            import dask.config

            self.name = "Dask LocalCluster"
            # The workers' statistical profiler (100 samples a second) and memory monitor (10 checks) wake a thread
            # that takes the GIL from the layout: ~8% more processor time per task, measured. Off in our own
            # cluster; a press's cluster is configured by the press.
            with dask.config.set({"distributed.worker.profile.enabled": False,
                                  "distributed.worker.memory.monitor-interval": "1s"}):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                            dashboard_address=":0",  # any free port: another cluster may hold 8787
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            self.name = f"Dask cluster at {address}"
            self.client = Client(address)
        self.workers = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()) or 1
        self.dashboard = self.client.dashboard_link if dashboard and _has_bokeh() else None

    def share(self, pack: BookPack) -> Any:
        # Sent once to one worker, not with each of the book's tasks; if that worker dies before another has a
        # copy, the tasks fail as `lost` and the build shares the pack again.
        return self.client.scatter(pack, hash=False)

    def submit(self, fn: Callable, *args, priority: int = 0) -> Any:
        return self.client.submit(fn, *args, pure=False, priority=priority)

    def wait(self, futures: Iterable, timeout: float) -> set:
        from distributed import wait as dask_wait

        futures = list(futures)
        try:
            dask_wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        except TimeoutError:
            return set()
        except CancelledError:  # some were cancelled (their pack was lost): they are done, and `lost`
            pass
        return {future for future in futures if future.status != "pending"}

    def lost(self, future, exc: BaseException) -> bool:
        return isinstance(exc, CancelledError)  # "lost dependencies": the worker holding the pack died

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def start_engine(kind: str, workers: int, scheduler: str | None = None, dashboard: bool = False) -> Engine:
    if scheduler is not None:
        return DaskEngine(scheduler, dashboard=dashboard)
    if kind == CLUSTER:
        return DaskEngine(None, workers, dashboard)
    return PoolEngine(workers)


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None
