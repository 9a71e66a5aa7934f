"""A press's house layouts: the folder that a catalogue.yaml above a book project names, for the books it lists."""

from __future__ import annotations

import functools
from pathlib import Path

from bookforge.manuscript.yamlfile import read_yaml

CATALOGUE_FILE = "catalogue.yaml"
HOUSE = "house"
"""How a book names a layout of its catalogue's house folder and no other: `extends: house/print`."""


def house_layouts(root: Path) -> list[Path]:
    """The house layout folder of the nearest catalogue above `root` that lists `root` among its `books:`.

    Found by the project itself, not handed in by the catalogue command, so that `bookforge build` in one book of a
    catalogue makes the same files as `bookforge catalogue build`. A catalogue.yaml that does not list the project
    does not touch it.
    """
    root = root if root.is_absolute() else root.resolve()  # the layout chain's callers pass it resolved
    for folder in root.parents:
        path = folder / CATALOGUE_FILE
        try:
            stat = path.stat()
        except OSError:
            continue
        books, house = _read(path, stat.st_mtime_ns, stat.st_size)
        if root in books:
            return [house] if house is not None else []
    return []


def house_name(name: str) -> str | None:
    """`print` for `house/print`; None for a plain name (looked up in the project, the house, then bookforge)."""
    collection, slash, bare = name.partition("/")
    return bare if slash and collection == HOUSE else None


@functools.lru_cache(maxsize=32)
def _read(path: Path, mtime: int, size: int) -> tuple[frozenset[Path], Path | None]:
    """(the books' folders, the house folder) of one catalogue file; its other problems are the catalogue's to tell."""
    data = read_yaml(path, str(path)).data
    if not isinstance(data, dict):
        return frozenset(), None
    books = data.get("books")
    folders = frozenset((path.parent / book).resolve() for book in books if isinstance(book, str)) \
        if isinstance(books, list) else frozenset()
    house = data.get("house")
    return folders, (path.parent / house).resolve() if isinstance(house, str) and house else None
