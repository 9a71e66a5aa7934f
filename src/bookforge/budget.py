"""Time and memory budgets for work a project's files drive (templates rendered, pages laid out): a watchdog thread
interrupts the work with OverBudget when it runs too long or the process grows too much."""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

POLL_SECONDS = 0.05
"""How often memory is looked at while a budget with a memory limit runs (time is waited for exactly)."""
REPEAT_SECONDS = 2.0
"""If the work swallows the interruption (a broad `except`), it is interrupted again this often."""


class OverBudget(BaseException):
    """Raised inside the work that ran over. A BaseException, so that a library's `except Exception` lets it pass;
    raised by class (CPython's async exceptions carry no arguments): `exceeded()` says which budget it was."""


@dataclass
class _Watch:
    thread_id: int
    deadline: float
    seconds: float
    memory: int | None
    baseline: int
    reason: str = ""
    fired_at: float = 0.0
    repeat: bool = True


_lock = threading.Condition()
_watches: dict[int, _Watch] = {}
_watchdog: threading.Thread | None = None
WATCHDOG = "bookforge-budget"
"""The watchdog thread's name: a process may fork with it running (workers.py), for it forks between its turns."""


def _forked() -> None:
    """In a forked child: no watchdog (it is started again when needed), no budgets (they were the parent's)."""
    global _lock, _watchdog
    _lock, _watchdog = threading.Condition(), None
    _watches.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=lambda: _lock.acquire(), after_in_parent=lambda: _lock.release(), after_in_child=_forked)


def resident_memory() -> int | None:
    """The process's resident memory in bytes, or None where it cannot be read cheaply (not Linux)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def limited(seconds: float, memory: int | None = None,
            problem: Callable[[str], BaseException] | None = None) -> Iterator[None]:
    """Run the body under a budget: OverBudget is raised in it once it has run `seconds`, or once the process has
    grown by more than `memory` bytes since it began (where memory can be read). An OverBudget that leaves the body
    becomes `problem(reason)` when given. Budgets nest: the innermost applies until it ends."""
    thread_id = threading.get_ident()
    baseline = resident_memory() if memory else None
    watch = _Watch(thread_id, time.monotonic() + seconds, seconds, memory if baseline is not None else None,
                   baseline or 0)
    with _lock:
        outer = _watches.get(thread_id)
        _watches[thread_id] = watch
        _start_watchdog()
        _lock.notify_all()
    try:
        yield
    except OverBudget:
        reason = _finish(thread_id, watch, outer)
        if problem is None:
            raise
        raise problem(reason or "ran over its budget") from None
    finally:
        reason = _finish(thread_id, watch, outer)
    if reason and problem is not None:  # the work swallowed the interruption, but it ran over all the same
        raise problem(reason)


def exceeded() -> str:
    """Which budget of this thread ran out, in an author's words (`took longer than 30 s`); stops the repeats."""
    with _lock:
        watch = _watches.get(threading.get_ident())
        if watch is None:
            return "ran over its budget"
        watch.repeat = False
        return watch.reason or "ran over its budget"


def _finish(thread_id: int, watch: _Watch, outer: _Watch | None) -> str:
    """End `watch` (once); its reason if it fired."""
    with _lock:
        if _watches.get(thread_id) is watch:
            if outer is not None:
                _watches[thread_id] = outer
            else:
                del _watches[thread_id]
            if watch.reason:
                # Fired as the work was ending: the interruption may still be pending; it must not land elsewhere.
                _raise_in(thread_id, None)
        return watch.reason


def _start_watchdog() -> None:
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        _watchdog = threading.Thread(target=_watch_loop, name=WATCHDOG, daemon=True)
        _watchdog.start()


def _watch_loop() -> None:
    with _lock:
        while True:
            if not _watches:
                _lock.wait()
                continue
            now = time.monotonic()
            memory_watched = any(watch.memory for watch in _watches.values())
            resident = resident_memory() if memory_watched else None
            for watch in _watches.values():
                if watch.reason:
                    if watch.repeat and now - watch.fired_at >= REPEAT_SECONDS:
                        watch.fired_at = now
                        _raise_in(watch.thread_id, OverBudget)
                    continue
                if now >= watch.deadline:
                    watch.reason = f"took longer than {watch.seconds:g} s"
                elif watch.memory and resident is not None and resident - watch.baseline > watch.memory:
                    watch.reason = f"used more than {watch.memory // (1024 * 1024):,} MB of memory"
                if watch.reason:
                    watch.fired_at = now
                    _raise_in(watch.thread_id, OverBudget)
            waits = [POLL_SECONDS if memory_watched else REPEAT_SECONDS]
            waits += [watch.deadline - now for watch in _watches.values() if not watch.reason]
            _lock.wait(max(0.001, min(waits)))


def _raise_in(thread_id: int, exc: type[OverBudget] | None) -> None:
    """Make `thread_id` raise `exc` at its next Python instruction (None cancels a pending one).

    CPython 3.11 checks for it at calls and backward jumps; a `while True:` that opens a `try` block can miss that
    block's handler (the exception then goes to the caller), which is why budgets convert it at their own boundary.
    """
    # Without argtypes, ctypes passes None as NULL: the call that cancels.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc) if exc is not None else None)
