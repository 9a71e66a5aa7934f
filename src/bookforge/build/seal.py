"""Sealed entries of build/.cache and of the user's shared store: each one carries an HMAC made with the user's
own key (cache_key.py), so that an entry anyone or anything else wrote, or that was cut short, reads as missing.

Kept apart from cache.py's typed records so that the no-op check (uptodate.py) reads its entry without importing
pydantic or the book's model.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterator, MutableMapping
from pathlib import Path, PurePosixPath

from bookforge.build.cache_key import cache_key, key_file
from bookforge.errors import BookforgeError
from bookforge.own_files import (
    is_own_folder,
    read_own_file,
    with_own_file,
    write_atomically,
)

CACHE_DIR = ".cache"
FORMAT = "bookforge-cache-2"
STATE_FILE = "state.json"
"""The build's records (cache.BuildState)."""
MAX_ENTRY = 512 * 1024 * 1024
"""An entry larger than this is not read (it is made again): the cache never makes a build read a huge file."""
_HEADER = re.compile(rb"bookforge-cache-2 ([0-9a-f]{32}) ([0-9a-f]{64})\n")


# -- one cache folder, every entry sealed ---------------------------------------------------------------------------

class Cache:
    """build/.cache of one output folder: every read and write of the cache goes through here.

    `run` names this build; with `fresh` (`bookforge build --force`) only entries this build wrote are read, so
    nothing an earlier build left can reach the book.
    """

    def __init__(self, output: Path, run: str | None = None, fresh: bool = False):
        self.output, self.folder = output, output / CACHE_DIR
        self.run = run or secrets.token_hex(16)
        self.fresh = fresh
        self.key, self.note = cache_key()

    def _mac(self, relative: str, run: bytes, body: bytes) -> str:
        message = b"\0".join([FORMAT.encode(), relative.encode(), run, hashlib.sha256(body).digest()])
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def read(self, relative: str, *, fresh: bool | None = None) -> bytes | None:
        """The body of the entry at `relative` (below build/.cache) if this user's bookforge wrote it, else None."""
        path = self.folder / relative
        if not is_own_folder(self.output, path.parent):  # no link is followed, for reading either
            return None
        data = read_own_file(path, MAX_ENTRY)
        if data is None:
            return None
        header = _HEADER.match(data)
        if header is None:
            return None
        run, body = header[1], data[header.end():]
        if (self.fresh if fresh is None else fresh) and run.decode() != self.run:
            return None
        if not hmac.compare_digest(header[2].decode(), self._mac(relative, run, body)):
            return None
        return body

    def write(self, relative: str, body: bytes) -> None:
        run = self.run.encode()
        header = b"%s %s %s\n" % (FORMAT.encode(), run, self._mac(relative, run, body).encode())
        # Not durable: an entry a crash cuts short fails its HMAC and is made again. Waiting for the disk (fsync)
        # for each of a book's parts took 0.1-0.2 s of an EPUB build on a busy machine.
        write_atomically(self.folder / relative, header + body, root=self.output, durable=False)

    def store(self, relative: str, suffix: str = ".html") -> FragmentStore:
        return FragmentStore(self, relative, suffix)


_KEY = re.compile(r"[A-Za-z0-9_-]{1,200}")


class FragmentStore(MutableMapping[str, str]):
    """Rendered parts (or laid-out chunks) in the cache by content hash; several worker processes may share it.

    A value is what this user's bookforge stored under that key (see Cache.read), or the key is missing.
    """

    def __init__(self, cache: Cache, relative: str, suffix: str = ".html"):
        self.cache, self.relative, self.suffix = cache, relative, suffix
        self.folder = cache.folder / relative
        self._checked: set[str] = set()
        """Keys found good in this process: `in` need not read them again (a read still checks)."""

    def _entry(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return f"{self.relative}/{key[:2]}/{key}{self.suffix}"

    def __getitem__(self, key: str) -> str:
        body = self._read(key)
        try:
            if body is None:
                raise KeyError(key)
            value = body.decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            self._checked.discard(key)
            raise KeyError(key) from None
        self._checked.add(key)
        return value

    def _read(self, key: str) -> bytes | None:
        """The entry's body, its file's time set to now when it is good: `prune` removes the least recently used."""
        entry = self._entry(key)
        body = self.cache.read(entry)
        if body is not None:
            with contextlib.suppress(OSError):
                os.utime(self.cache.folder / entry, follow_symlinks=False)
        return body

    def __setitem__(self, key: str, value: str) -> None:
        self.cache.write(self._entry(key), value.encode("utf-8"))
        self._checked.add(key)

    def __delitem__(self, key: str) -> None:
        self._checked.discard(key)
        path = self.cache.folder / self._entry(key)
        if is_own_folder(self.cache.output, path.parent):
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    path.unlink()
            except FileNotFoundError:
                pass

    def __contains__(self, key: object) -> bool:
        # Checked by reading: a file that is there but not this user's bookforge's is not in the store.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            return False
        if key not in self._checked and self._read(key) is not None:
            self._checked.add(key)
        return key in self._checked

    def __iter__(self) -> Iterator[str]:
        """The keys of the files there (whatever made them, so that `retain` can remove what is not the build's)."""
        if not is_own_folder(self.cache.output, self.folder):
            return
        for shard in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if shard.is_dir(follow_symlinks=False):
                for entry in sorted(os.scandir(shard.path), key=lambda e: e.name):
                    key = entry.name.removesuffix(self.suffix)
                    if entry.name.endswith(self.suffix) and _KEY.fullmatch(key) and key[:2] == shard.name:
                        yield key

    def prune(self, limit: int) -> int:
        """When the entries take more than `limit` bytes, remove the least recently used until they take three
        quarters of it (each edit of a book adds its changed parts' views). Returns how many were removed."""
        entries = []
        for key in self:  # the files there, in an own folder
            with contextlib.suppress(FileNotFoundError):
                info = os.lstat(self.cache.folder / self._entry(key))
                entries.append((info.st_mtime_ns, key, info.st_size))
        total = sum(size for _, _, size in entries)
        if total <= limit:
            return 0
        removed = 0
        for _, key, size in sorted(entries):
            if total <= limit * 3 // 4:
                break
            del self[key]
            total -= size
            removed += 1
        return removed

    def __len__(self) -> int:
        return sum(1 for _ in self)


SHARED_DIR = "shared"
SHARED_LIMIT = 128 * 1024 * 1024
"""Bytes the user's shared store keeps (a drawn cover is ~150 KB, a font's map ~1 KB): past it, the least recently
used go."""


class SharedStore(FragmentStore):
    """A store of the user's own, beside their cache key, for what any of their projects may reuse: what a font
    file maps, a drawn ebook cover, each under a hash of everything it is made of. It outlives build/ (a fresh
    clone of a book builds its ebook without drawing the cover again). Sealed like build/.cache; a folder that
    cannot be written makes the build slower, never fail."""

    def __setitem__(self, key: str, value: str) -> None:
        with contextlib.suppress(OSError, BookforgeError):
            super().__setitem__(key, value)

    def prune(self, limit: int = SHARED_LIMIT) -> int:
        with contextlib.suppress(OSError, BookforgeError):
            return super().prune(limit)
        return 0


def shared_store(relative: str, suffix: str, run: str | None = None, fresh: bool = False) -> SharedStore:
    """The user's shared store at `relative`; with `fresh` (--force), like build/.cache, it gives only what this
    build put there."""
    folder = key_file().parent / SHARED_DIR
    with contextlib.suppress(OSError):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return SharedStore(Cache(folder, run, fresh), relative, suffix)


def inside_build_folder(path: str) -> str:
    """A path relative to the build folder that stays in it: no absolute path, no `..`, no empty or odd part."""
    parts = PurePosixPath(path).parts
    if (not parts or path.startswith("/") or "\\" in path or "\0" in path or ":" in path
            or any(part in ("", ".", "..") for part in parts) or PurePosixPath(*parts).as_posix() != path):
        raise ValueError(f"not a path inside the build folder: {path!r}")
    return path



def file_sha256(path: Path, size: int | None = None) -> str | None:
    """SHA-256 of a regular file (a symbolic link is not followed), read in pieces; None if it is not one, or if
    it is not `size` bytes long."""
    return with_own_file(path, lambda stream, found: hashlib.file_digest(stream, "sha256").hexdigest()
                         if size is None or found == size else None)


def output_file(output: Path, relative: str) -> Path | None:
    """output/relative when every folder on the way is a real one (no link is followed); else None."""
    path = output / relative
    return path if is_own_folder(output, path.parent) else None
