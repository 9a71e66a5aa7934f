"""One build at a time per output folder (filelock: the same on every system, Windows included)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bookforge.build.output import file_system_problem, remove_stale_temporaries
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.own_files import not_followed

LOCK_FILE = ".lock"


@contextmanager
def build_lock(output: Path, editions: tuple[str, ...] = ()) -> Iterator[None]:
    """Held while a build writes into `output` (or `bookforge clean` empties it): a second one is told, not allowed
    to interleave its files.

    Leftover temporary files of a killed build (of `editions`, see remove_stale_temporaries) are removed once the
    lock is held, when none can be in use; an OSError while writing becomes a problem in the author's words.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
        lock = FileLock(_lock_file(output), timeout=0)
        lock.acquire()
    except Timeout:
        raise BookforgeError([Diagnostic("build-running", f"another bookforge build is writing to {output}",
                                         hint="wait for it to finish, then build again")]) from None
    except OSError as exc:
        raise BookforgeError([file_system_problem(exc, output)]) from None
    try:
        remove_stale_temporaries(output, editions)
        yield
    except OSError as exc:  # everything written happens here, in this process or in a worker
        raise BookforgeError([file_system_problem(exc, output)]) from None
    finally:
        lock.release()


def _lock_file(output: Path) -> Path:
    """build/.lock, which must be a regular file if it is there: a symbolic link is refused, never opened."""
    path = output / LOCK_FILE
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    if not stat.S_ISREG(mode):
        raise BookforgeError([not_followed(path, "a symbolic link" if stat.S_ISLNK(mode) else "not a file")])
    return path


def remove_output(output: Path) -> None:
    """`bookforge clean`: the output folder removed with its lock held, so a build that is running is not undone
    (the clean is refused: problem `build-running`) and none can start halfway. A symbolic link there is removed
    itself; what it points to is left alone. Nothing below the folder is followed."""
    if output.is_symlink():
        output.unlink()
        return
    with build_lock(output):
        for entry in os.scandir(output):
            if entry.name == LOCK_FILE:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        # The lock file goes last, while held: a build starting from now makes a new one in a folder being removed,
        # which then stays (the folder is not empty).
        with contextlib.suppress(OSError):
            os.unlink(output / LOCK_FILE)
            os.rmdir(output)
