"""One build at a time per output folder (filelock: the same on every system, Windows included)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bookforge.build.output import file_system_problem, remove_stale_temporaries
from bookforge.errors import BookforgeError, Diagnostic

LOCK_FILE = ".lock"


@contextmanager
def build_lock(output: Path) -> Iterator[None]:
    """Held while a build writes into `output`: a second build is told, not allowed to interleave its files.

    Leftover temporary files of a killed build are removed once the lock is held, when none can be in use; an
    OSError while writing becomes a problem in the author's words.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
        lock = FileLock(output / LOCK_FILE, timeout=0)
        lock.acquire()
    except Timeout:
        raise BookforgeError([Diagnostic("build-running", f"another bookforge build is writing to {output}",
                                         hint="wait for it to finish, then build again")]) from None
    except OSError as exc:
        raise BookforgeError([file_system_problem(exc, output)]) from None
    try:
        remove_stale_temporaries(output)
        yield
    except OSError as exc:  # everything written happens here, in this process or in a worker
        raise BookforgeError([file_system_problem(exc, output)]) from None
    finally:
        lock.release()
