"""The one rule for every file read on a project's behalf: inside its root, a regular file, capped before reading;
and for every file written into a folder a stranger may have prepared: inside it, through no link, never over a file."""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath

from bookforge.errors import Diagnostic, Location

OUTSIDE, MISSING, NOT_A_FILE, TOO_LARGE, UNREADABLE = "outside", "missing", "not-a-file", "too-large", "unreadable"

# Opened without following a final symbolic link, and without blocking on a FIFO (which then fails the file check).
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = _FLAGS | getattr(os, "O_DIRECTORY", 0)
_WALK_BENEATH = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")
_read_log: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("read_log", default=None)


@contextlib.contextmanager
def reads_logged() -> Iterator[dict[str, str]]:
    """Every file read_inside() reads in this block (in this thread): its resolved path -> SHA-256 of the bytes read.
    What a build read is what its no-op check (build/uptodate.py) looks at again."""
    log: dict[str, str] = {}
    token = _read_log.set(log)
    try:
        yield log
    finally:
        _read_log.reset(token)


class Refused(Exception):
    """Why a file was not read: `kind` is OUTSIDE, MISSING, NOT_A_FILE, TOO_LARGE or UNREADABLE."""

    def __init__(self, kind: str, detail: str = "", size: int = 0):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind, self.detail, self.size = kind, detail, size


def inside(root: Path, relative: str | PurePath) -> Path:
    """`root/relative` with every symbolic link resolved; Refused(OUTSIDE) when that is not under `root` (an absolute
    path, `..`, or a link pointing out), Refused(UNREADABLE) for a link loop or an impossible name. `root` must be
    resolved already."""
    try:
        path = (root / relative).resolve()
    except RuntimeError:  # pathlib's word for a symbolic link loop
        raise Refused(UNREADABLE, "a symbolic link loop") from None
    except (OSError, ValueError) as exc:
        raise Refused(UNREADABLE, getattr(exc, "strerror", None) or str(exc)) from None
    if not path.is_relative_to(root):
        raise Refused(OUTSIDE)
    return path


def read_inside(root: Path, relative: str | PurePath, cap: int) -> bytes:
    """The bytes of `root/relative`, which must stay under `root` (no link out), be a regular file (not a folder, FIFO,
    device or socket) and hold at most `cap` bytes: its size is checked before it is read, and no more than `cap + 1`
    bytes are read in any case (a file may lie about its size, or grow)."""
    path = inside(root, relative)
    try:
        fd = _open_beneath(root, path)
    except FileNotFoundError:
        raise Refused(MISSING) from None
    except NotADirectoryError:
        raise Refused(MISSING) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link appeared after the path was resolved: it is not followed
            raise Refused(OUTSIDE, "it changed into a symbolic link while being read") from None
        raise Refused(UNREADABLE, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(NOT_A_FILE, _kind_of(info.st_mode))
        if info.st_size > cap:
            raise Refused(TOO_LARGE, size=info.st_size)
        data = _read_at_most(fd, cap + 1)
    except OSError as exc:
        raise Refused(UNREADABLE, exc.strerror or str(exc)) from None
    finally:
        os.close(fd)
    if len(data) > cap:
        raise Refused(TOO_LARGE, size=len(data))
    log = _read_log.get()
    if log is not None:
        log[str(path)] = hashlib.sha256(data).hexdigest()
    return data


def _open_beneath(root: Path, path: Path) -> int:
    """Open `path` (resolved, under `root`) one component at a time, following no symbolic link: a link swapped in
    after resolve() fails with ELOOP instead of leading out of the root."""
    if not _WALK_BENEATH:
        return os.open(path, _FLAGS)
    parts = path.relative_to(root).parts
    if not parts:
        raise IsADirectoryError(errno.EISDIR, "a folder")
    fd = os.open(root, _DIRECTORY)
    try:
        for part in parts[:-1]:
            child = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        return os.open(parts[-1], _FLAGS, dir_fd=fd)
    finally:
        os.close(fd)


def write_inside(root: Path, relative: str | PurePath, data: bytes, *, replace: bool = False) -> None:
    """Write `root/relative`, making its folders, following no symbolic link on the way (`root` itself included, so
    an output folder linked elsewhere is refused) and, unless `replace`, over no existing file: Refused(OUTSIDE) for a
    link, Refused(NOT_A_FILE, "already there") for a file already there, Refused(UNREADABLE) for anything else."""
    parts = PurePath(relative).parts
    if not parts or PurePath(relative).is_absolute() or ".." in parts:
        raise Refused(OUTSIDE)
    root.parent.mkdir(parents=True, exist_ok=True)
    try:
        if root.is_symlink():
            raise OSError(errno.ELOOP, "a symbolic link")
        root.mkdir(exist_ok=True)
        fd = os.open(root, _DIRECTORY)
        try:
            for part in parts[:-1]:
                try:
                    os.mkdir(part, dir_fd=fd)
                except FileExistsError:
                    pass
                child = os.open(part, _DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = child
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | (0 if replace else os.O_EXCL) | (_FLAGS & ~os.O_RDONLY)
            out = os.open(parts[-1], flags, 0o666, dir_fd=fd)
        finally:
            os.close(fd)
        try:
            if not stat.S_ISREG(os.fstat(out).st_mode):
                raise Refused(NOT_A_FILE, _kind_of(os.fstat(out).st_mode))
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
        finally:
            os.close(out)
    except FileExistsError:
        raise Refused(NOT_A_FILE, "already there") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Refused(OUTSIDE, "a symbolic link") from None
        raise Refused(UNREADABLE, exc.strerror or str(exc)) from None


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(limit - size, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def files_under(root: Path, folder: str, limit: int) -> Iterator[str]:
    """The files of `root/folder` and its subfolders, as paths relative to `root` in name order, at most `limit` of
    them (Refused(TOO_LARGE) beyond). Symbolic links are listed, never followed into: read_inside() then refuses a
    link out of `root`; a linked folder inside `root` is skipped."""
    found: list[str] = []
    start = root / folder
    if not start.is_dir() or start.is_symlink():
        return iter(())
    for directory, subfolders, names in os.walk(start, followlinks=False):
        here = Path(directory)
        for name in list(subfolders):
            if (here / name).is_symlink():
                try:
                    inside(root, (here / name).relative_to(root))
                except Refused:
                    names.append(name)  # a link out of the root: listed, so that reading it is refused
        subfolders.sort()
        for name in names:
            found.append((here / name).relative_to(root).as_posix())
            if len(found) > limit:
                raise Refused(TOO_LARGE, f"more than {limit:,} files", size=len(found))
    return iter(sorted(found))


def refusal(exc: Refused, shown: str, where: Location | None, cap: int, hint: str | None = None) -> Diagnostic:
    """The problem with a refused file, in an author's words, at `where` (the file itself when None)."""
    where = where or Location(shown)
    if exc.kind == OUTSIDE:
        return Diagnostic("path-outside", f"`{shown}` leads outside the folder it must stay in"
                          + (f" ({exc.detail})" if exc.detail else ""), where,
                          hint or "keep the file itself in the project, not a symbolic link to a file elsewhere")
    if exc.kind == MISSING:
        return Diagnostic("file-missing", f"there is no file `{shown}`", where, hint)
    if exc.kind == NOT_A_FILE:
        return Diagnostic("not-a-file", f"`{shown}` is not a regular file ({exc.detail})", where, hint)
    if exc.kind == TOO_LARGE:
        return Diagnostic("file-too-large", f"`{shown}` is larger than {_size(cap)} ({exc.detail or _size(exc.size)})",
                          where, hint)
    return Diagnostic("file-unreadable", f"`{shown}` cannot be read: {exc.detail}", where, hint)


def write_refusal(path: Path, why: str) -> Diagnostic:
    """A file bookforge would write (an imported project's) that is `why` (a symbolic link, already there)."""
    return Diagnostic("folder-not-empty", f"`{path}` is {why}: bookforge imports only into a new folder, writes "
                      "through no symbolic link and overwrites nothing", Location(str(path)),
                      "import into a new folder (--force replaces only the files bookforge itself wrote, never "
                      "through a link)")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:g} MB"
    if count >= 1024:
        return f"{count / 1024:g} KB"
    return f"{count} bytes"
