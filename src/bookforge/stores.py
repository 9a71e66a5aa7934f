"""Keyed stores of things made once and reused (rendered parts, laid-out chunks, cover images), and the
fingerprint of the tool that made them. The stages take any MutableMapping[str, str]: the build passes stores
kept in build/.cache, the preview and the tests plain dicts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from bookforge._version import __version__

PACKAGE = Path(__file__).parent


def digest(chunks: Iterator[bytes]) -> str:
    """SHA-256 of byte strings, each prefixed by its length (so `ab`+`c` and `a`+`bc` differ)."""
    hashed = hashlib.sha256()
    for chunk in chunks:
        hashed.update(len(chunk).to_bytes(8, "big"))
        hashed.update(chunk)
    return hashed.hexdigest()


def folder_files(folder: Path) -> Iterator[bytes]:
    """Each file's path and bytes, in name order (compiled Python aside)."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        yield path.relative_to(folder).as_posix().encode()
        yield path.read_bytes()


_TOOL: str | None = None


def tool_fingerprint() -> str:
    """bookforge's version and its own code and layouts: a changed bookforge rebuilds everything."""
    global _TOOL
    if _TOOL is None:
        _TOOL = digest(iter([__version__.encode(), *folder_files(PACKAGE)]))
    return _TOOL


def retain(store: MutableMapping[str, str], keys: set[str]) -> None:
    """Forget every entry of `store` (on disk or in memory) but `keys`: for a store in which only the last build's
    entries are worth keeping."""
    for key in [key for key in store if key not in keys]:
        del store[key]
