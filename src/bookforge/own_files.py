"""Files in bookforge's own folders (the build folder and below): never reached through a symbolic link, written
whole or not at all. The same rules for the build, its cache and the proofs."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from bookforge.errors import BookforgeError, Diagnostic, Location

T = TypeVar("T")

# Open flags for reading and writing in bookforge's own folders: a symbolic link is never followed (where the
# system has the flag), a FIFO never blocks the open.
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
READ_FLAGS = os.O_RDONLY | NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | \
    getattr(os, "O_BINARY", 0)


def not_followed(path: Path, what: str = "a symbolic link") -> Diagnostic:
    """A link (or a file, or a folder) where bookforge keeps a folder or file of its own."""
    return Diagnostic("not-followed", f"this is {what}, where bookforge keeps a file or folder of its own: it is "
                      "not followed, and nothing is written or deleted through it", Location(str(path)),
                      "remove it (or run `bookforge clean`), then build again")


def own_folder(root: Path, folder: Path) -> Path:
    """`folder`, at or below the output folder `root`, made if missing; each folder on the way from `root` must be
    a real folder: a symbolic link (or a file) there is refused with a located problem, never followed."""
    current = root
    for name in folder.relative_to(root).parts:
        current = current / name
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            try:
                os.mkdir(current)
                continue
            except FileExistsError:  # made meanwhile by another worker of the same build
                info = os.lstat(current)
        if not stat.S_ISDIR(info.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
            raise BookforgeError([not_followed(current, what)])
    return folder


def is_own_folder(root: Path, folder: Path) -> bool:
    """Whether `folder` exists below `root` with no symbolic link (or file) on the way: nothing is made."""
    current = root
    try:
        for name in folder.relative_to(root).parts:
            current = current / name
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return False
    except (OSError, ValueError):
        return False
    return True


def read_own_file(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, opened without following a link; None otherwise."""
    def read(stream, size: int) -> bytes | None:
        if size > limit:
            return None
        data = stream.read(limit + 1)
        return data if len(data) <= limit else None

    return with_own_file(path, read)


def with_own_file(path: Path, use: Callable[[BinaryIO, int], T | None]) -> T | None:
    """`use(stream, size)` on a regular file opened without following a link; None if it is not one, or cannot be
    read."""
    try:
        fd = os.open(path, READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            return use(stream, info.st_size)
    except OSError:
        return None
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, root: Path | None = None, *, durable: bool = True) -> None:
    """Write beside the target and rename over it: readers see the old file or the new one, never half of one.

    With `root` (the output folder), the folders from it down to `path` are bookforge's own: see own_folder. The
    rename replaces a symbolic link at `path` itself; it never writes through one. `durable` waits for the data to
    be on disk before the rename (fsync), so that a crash cannot leave the new name with missing data.
    """
    if root is not None:
        own_folder(root, path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
