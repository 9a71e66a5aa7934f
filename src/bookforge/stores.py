"""Keyed stores of things made once and reused (rendered parts, laid-out chunks, cover images), and the
fingerprint of the tool that made them. The stages take any MutableMapping[str, str]: the build passes stores
kept in build/.cache, the preview and the tests plain dicts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from bookforge._version import __version__
from bookforge.files import Refused, files_under, read_inside

PACKAGE = Path(__file__).parent


def digest(chunks: Iterator[bytes]) -> str:
    """SHA-256 of byte strings, each prefixed by its length (so `ab`+`c` and `a`+`bc` differ)."""
    hashed = hashlib.sha256()
    for chunk in chunks:
        hashed.update(len(chunk).to_bytes(8, "big"))
        hashed.update(chunk)
    return hashed.hexdigest()


MAX_HASHED_FILES = 10_000
MAX_HASHED_BYTES = 64 * 1024 * 1024
"""A file larger than this is hashed by its size and time, not read (bookforge reads no such file: see files.py)."""


def folder_files(folder: Path) -> Iterator[bytes]:
    """Each file's path and bytes, in name order (compiled Python aside), read by the one rule for a project's files
    (bookforge.files): a symbolic link out of the folder, a device, a pipe or a file over MAX_HASHED_BYTES is never
    read; what it is (and its size and time, when it has them) stands for its bytes."""
    folder = folder.resolve()
    try:
        names = list(files_under(folder, ".", MAX_HASHED_FILES))
    except Refused:
        yield b"\0too many files"
        return
    for name in names:
        if "__pycache__" in name.split("/"):
            continue
        yield name.encode()
        try:
            yield read_inside(folder, name, MAX_HASHED_BYTES)
        except Refused as exc:
            try:
                info = (folder / name).lstat()
                stamp = f"{info.st_size}:{info.st_mtime_ns}"
            except OSError:
                stamp = ""
            yield f"\0{exc.kind}:{stamp}".encode()


_TOOL: str | None = None


def tool_fingerprint() -> str:
    """bookforge's version and its own code and layouts: a changed bookforge rebuilds everything."""
    global _TOOL
    if _TOOL is None:
        _TOOL = digest(iter([__version__.encode(), *folder_files(PACKAGE)]))
    return _TOOL


def known_tool_fingerprint(fingerprint: str) -> None:
    """Take `fingerprint` as bookforge's, without reading its files again: the no-op check (build/uptodate.py) found
    every one of them of the size and time they had when it was computed (~80 ms saved in a build that follows)."""
    global _TOOL
    _TOOL = fingerprint


def retain(store: MutableMapping[str, str], keys: set[str]) -> None:
    """Forget every entry of `store` (on disk or in memory) but `keys`: for a store in which only the last build's
    entries are worth keeping."""
    for key in [key for key in store if key not in keys]:
        del store[key]
