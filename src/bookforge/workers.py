"""Worker processes that never outlive the build that started them (the editions' pool, the chunks laid out
ahead), and the way a build is cancelled."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor

from bookforge import budget

STOP_SECONDS = 5.0  # how long an ended worker has to exit before it is killed
PR_SET_PDEATHSIG = 1  # Linux prctl(2): a signal for this process when its parent dies


class Cancelled(Exception):
    """The build was cancelled (its `cancel` event was set): what it had not finished is not written."""


def check(cancel: threading.Event | None) -> None:
    """Raise Cancelled if `cancel` is set: called between steps that take long (an edition, a chunk)."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("the build was cancelled")


class Workers:
    """A process pool whose processes end with it, however the build ends.

    Use it as a context manager, in one thread. On leaving it, work not started is cancelled; work still running
    is not waited for: its processes are ended (its result is not wanted, or the build is failing). Every process
    is gone when `close()` returns. Each worker ignores Ctrl-C (the terminal sends it to the whole process group:
    the build ends its workers itself) and dies with the process that started it, even if that one is killed
    outright (on Linux, with the thread that started it: hence one thread).
    """

    def __init__(self, processes: int, fork: bool = False):
        self.processes, self.fork = processes, fork
        self.forked = False
        """Its processes were forked (so they hold what this process held when they started)."""
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def started(self) -> bool:
        return self._pool is not None

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self._pool is None:
            # "spawn": the preview server has threads, and a forked child of a threaded process can deadlock. A
            # process without may fork, with `fork`: its workers start at once, WeasyPrint imported, instead of
            # ~1.5 s later.
            method = "fork" if self.fork and _forkable() else "spawn"
            self.forked = method == "fork"
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context(method),
                                             initializer=_started, initargs=(os.getpid(),))
        future = self._pool.submit(fn, *args, **kwargs)
        self._futures.append(future)
        return future

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for future in self._futures:
            future.cancel()
        running = any(not future.done() for future in self._futures)
        self._futures = []
        if not running:
            pool.shutdown(wait=True)
            return
        # Python 3.14 has pool.terminate_workers(); before it, the pool's own table of its processes.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        if manager is not None:
            manager.join(STOP_SECONDS)  # it sees its workers gone and closes the pool's queues


def _forkable() -> bool:
    """Whether this process may fork: its only other thread is the budget's watchdog, which forks safely, and no
    native thread runs (Linux; elsewhere: not known, so no)."""
    others = [thread for thread in threading.enumerate() if thread is not threading.current_thread()]
    try:
        native = len(os.listdir("/proc/self/task"))
    except OSError:
        return False
    return native == 1 + len(others) and all(thread.name == budget.WATCHDOG for thread in others)


def _started(parent: int) -> None:
    """A worker's set-up: Ctrl-C is for the process that started it, and it dies with that process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            _watch(parent)
    else:
        _watch(parent)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _watch(parent: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="bookforge-parent-watch", daemon=True).start()
