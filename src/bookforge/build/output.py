"""Writing outputs so that a failed or killed build never leaves half a file where a good one stood; their names;
file-system failures in the author's words."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from bookforge.errors import Diagnostic, Location

CACHE_DIR = ".cache"
SLUG_MAX = 80


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# write_atomically's temporary files: `.NAME.XXXXXXXX.tmp`.
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def remove_stale_temporaries(output: Path) -> None:
    """Temporary files left by a build that was killed; called with the build lock held, so none is in use."""
    cache = output / CACHE_DIR
    folders = [output, *(p for p in output.iterdir() if p.is_dir() and not p.is_symlink())]
    folders += [p for p in cache.rglob("*") if p.is_dir() and not p.is_symlink()] if cache.is_dir() else []
    for folder in folders:
        for path in folder.glob(".*.tmp"):
            if _TEMPORARY.match(path.name) and path.is_file():
                path.unlink(missing_ok=True)


def file_system_problem(exc: OSError, output: Path) -> Diagnostic:
    """An OSError while building (a read-only build/, a full disk) in the author's words, not a traceback."""
    where = Location(str(exc.filename or output))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Diagnostic("disk-full", f"the disk is full: {exc.strerror}", where,
                          "free some space, or write elsewhere with `-o DIR`; the last build's files were kept")
    if exc.filename and not Path(exc.filename).resolve().is_relative_to(output):
        return Diagnostic("cannot-read", f"cannot read this file: {exc.strerror or exc}", where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Diagnostic("cannot-write", f"bookforge may not write here: {exc.strerror}", where,
                          "make the folder writable, or write elsewhere with `-o DIR`")
    return Diagnostic("cannot-write", f"writing the outputs failed: {exc.strerror or exc}", where,
                      "the last build's files were kept")


def file_slug(title: str) -> str:
    """`Café Stories` -> `cafe-stories`: output file names that every system and store accepts."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "book"
    # A file name has at most 255 bytes: a very long title keeps its first words (whole ones).
    if len(slug) <= SLUG_MAX:
        return slug
    cut = slug[:SLUG_MAX + 1]
    return cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX]
