"""catalogue.yaml: the press's books (project folders), its house layouts and where its shared store is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bookforge.errors import BookforgeError, Diagnostic, Location, did_you_mean
from bookforge.layout.house import CATALOGUE_FILE
from bookforge.manuscript.yamlfile import read_yaml

KEYS = ("books", "house", "store")
BOOK_FILE = Path("manuscript") / "book.yaml"


@dataclass(frozen=True)
class BookEntry:
    name: str
    """The book's folder as the catalogue names it (`books/winter`): how it is shown and where `-o` puts it."""
    root: Path
    location: Location


@dataclass(frozen=True)
class Catalogue:
    root: Path
    """The folder holding catalogue.yaml."""
    books: tuple[BookEntry, ...]
    house: Path | None = None
    """The house layout folder, whose layouts every book's layouts may extend (layout/house.py)."""
    store: str | None = None
    """The shared store's URL: a folder (relative to the catalogue) or any fsspec URL."""


def load_catalogue(folder: Path) -> Catalogue:
    """Read `folder`/catalogue.yaml; raise with every problem in it (a book's own problems are the book's)."""
    folder = folder.resolve()
    path = folder / CATALOGUE_FILE
    if not path.is_file():
        raise BookforgeError([Diagnostic("no-catalogue", f"there is no {CATALOGUE_FILE} in {folder}",
                                         hint=f"run in the catalogue's folder, or write a {CATALOGUE_FILE} with "
                                         "`books:` (a list of book project folders)")])
    doc = read_yaml(path, CATALOGUE_FILE)
    data = doc.data
    if not isinstance(data, dict):
        raise BookforgeError([Diagnostic("wrong-type", f"{CATALOGUE_FILE} should be a mapping (`key: value` lines)",
                                         doc.where(()))])
    problems = [Diagnostic("unknown-key", f"unknown key `{key}`", doc.where((key,), key=True),
                           did_you_mean(str(key), KEYS)) for key in data if key not in KEYS]
    books = _books(folder, doc, problems)
    house = _folder_value(folder, doc, "house", problems)
    store = data.get("store")
    if store is not None and not isinstance(store, str):
        problems.append(Diagnostic("wrong-type", "`store` should be a folder or a URL", doc.where(("store",))))
        store = None
    if problems:
        raise BookforgeError(problems)
    return Catalogue(folder, books, house, store_url(store, folder) if store else None)


def store_url(store: str, base: Path) -> str:
    """A folder relative to `base`, or a URL (`s3://bucket/press`, `memory://x`), as fsspec takes it."""
    if "://" in store:
        return store
    return str((base / store).resolve())


def _books(folder: Path, doc, problems: list[Diagnostic]) -> tuple[BookEntry, ...]:
    books = doc.data.get("books")
    if not isinstance(books, list) or not books:
        problems.append(Diagnostic("no-books", "`books` should list the book project folders",
                                   doc.where(("books",)), "e.g. `books: [winter-tales, the-long-road]`"))
        return ()
    entries: list[BookEntry] = []
    for index, value in enumerate(books):
        where = doc.where(("books", index))
        if not isinstance(value, str) or not value.strip():
            problems.append(Diagnostic("wrong-type", "a book should be a project folder", where))
            continue
        root = (folder / value).resolve()
        if not (root / BOOK_FILE).is_file():
            problems.append(Diagnostic("book-missing", f"`{value}` is not a book project (it has no "
                                       f"{BOOK_FILE.as_posix()})", where, "name the folder that holds manuscript/"))
            continue
        name = _name(root, folder)
        if any(entry.name == name for entry in entries):
            problems.append(Diagnostic("duplicate-book", f"`{value}` is listed twice", where))
            continue
        entries.append(BookEntry(name, root, where))
    return tuple(entries)


def _name(root: Path, folder: Path) -> str:
    """The book's folder relative to the catalogue; a book outside it goes by its folder's name."""
    if root.is_relative_to(folder) and root != folder:
        return PurePosixPath(root.relative_to(folder).as_posix()).as_posix()
    return root.name


def _folder_value(folder: Path, doc, key: str, problems: list[Diagnostic]) -> Path | None:
    value = doc.data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Diagnostic("wrong-type", f"`{key}` should be a folder", doc.where((key,))))
        return None
    path = (folder / value).resolve()
    if not path.is_dir():
        problems.append(Diagnostic("folder-missing", f"there is no folder `{value}`", doc.where((key,)),
                                   "the house folder holds layouts (each a folder with layout.yaml)"))
        return None
    return path
