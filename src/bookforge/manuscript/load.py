"""Load a book project: manuscript/*.yaml -> a validated, immutable Book. Every problem is collected, then raised once."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from stdnum import isbn
from stdnum.exceptions import ValidationError

from bookforge.errors import (
    BookforgeError,
    Diagnostic,
    Location,
    by_location,
    did_you_mean,
    display_path,
)
from bookforge.manuscript.entries import entry_models
from bookforge.manuscript.images import load_images
from bookforge.manuscript.model import (
    FILE_REFS,
    LAYOUT_NAME,
    BackMatterRef,
    Book,
    BookFile,
    Chapter,
    ChapterRef,
    Edition,
    FrontMatterRef,
    Part,
)
from bookforge.manuscript.ordering import arranged
from bookforge.manuscript.references import check_references
from bookforge.manuscript.typeload import (
    check_edition_types,
    edition_layouts,
    load_entry_types,
)
from bookforge.manuscript.validate import validate
from bookforge.manuscript.yamlfile import MAX_FILE_BYTES, YamlDocument, read_yaml

MANUSCRIPT_DIR = "manuscript"
BOOK_FILE = "book.yaml"

# Limits on the whole book, so that a hostile or broken manuscript can neither hang the build nor take gigabytes
# of memory; print layout time and memory grow with headings and text (README, "Security").
MAX_CONTENTS = 300
"""Items in `contents`."""
MAX_CHAPTER_ENTRIES = 1_000
"""Entries in one chapter file."""
MAX_BOOK_ENTRIES = 3_000
"""Entries in all the manuscript files together."""
MAX_MANUSCRIPT_BYTES = 4 * 1024 * 1024
"""book.yaml and every file it names, together."""


class _Budget:
    """What the manuscript files read so far add up to."""

    def __init__(self, used_bytes: int) -> None:
        self.bytes, self.entries = used_bytes, 0


def load_book(root: Path) -> Book:
    """The manuscript of the project at `root`, validated; raises with every problem found in it."""
    book, _, problems = read_book(root)
    if problems or book is None:
        raise BookforgeError(sorted(problems, key=by_location))
    return book


def read_book(root: Path) -> tuple[Book | None, Mapping[str, Edition] | None, list[Diagnostic]]:
    """(the book or None, the editions book.yaml declares or None, every problem found): a caller that checks the
    editions' layouts too can report their problems with the manuscript's."""
    root = root.resolve()
    book_path = root / MANUSCRIPT_DIR / BOOK_FILE
    shown = display_path(book_path, root)
    if not book_path.is_file():
        return None, None, [Diagnostic(
            "no-book", f"there is no {shown} here", Location(shown),
            "run bookforge in a book project folder, or create one with `bookforge new DIR`")]
    problems: list[Diagnostic] = []
    doc = read_yaml(book_path, shown)
    book_file = validate(BookFile, doc, problems)
    _check_contents_length(doc, problems)
    # Entry types: bookforge's, the editions' layouts' and the book's own. Chapters are validated against them
    # only when every declaration is right (a mistake in one would show as a mistake in every entry of the type).
    declared_problems: list[Diagnostic] = []
    types = load_entry_types(root, edition_layouts(doc.data), declared_problems)
    problems.extend(declared_problems)
    chapter_model = None if declared_problems else entry_models(types).chapter
    # Chapter files are read even when book.yaml has problems, so the author sees every mistake at once.
    budget = _Budget(len(doc.source.encode("utf-8", "surrogatepass")))
    chapters = {path: _load_chapter(root, relative, doc.where(path + (key,)), problems, budget, chapter_model)
                for path, key, relative in _named_files(doc.data)[:MAX_CONTENTS * 2]}
    if book_file is not None:
        _check_exclusions(book_file, doc, problems)
        _check_layout_names(book_file, doc, problems)
        _check_isbns(book_file, doc, problems)
        if not declared_problems:
            check_edition_types(book_file.editions, types, doc, problems)
    if chapters and all(chapter is not None for chapter in chapters.values()):  # else targets may be missing
        check_references(list(chapters.values()), problems)
    remote = isinstance(doc.data, dict) and doc.data.get("remote_images") is True
    images = load_images(root, [chapter for chapter in chapters.values() if chapter is not None], problems, remote)
    if book_file is None or problems:
        return None, book_file.editions if book_file is not None else None, problems

    language = book_file.metadata.language
    chapters = {path: arranged(chapter, language) if chapter is not None else None for path, chapter in chapters.items()}
    seen_ids: set[str] = set()
    parts: list[Part] = []
    in_body = False
    for index, item in enumerate(book_file.contents):
        part = _part(item, ("contents", index), doc, chapters, seen_ids, in_body)
        in_body = in_body or part.role == "body"
        parts.append(part)
    extras = {name: tuple(_part(item, ("editions", name, "extra", index), doc, chapters, seen_ids, True)
                          for index, item in enumerate(edition.extra))
              for name, edition in book_file.editions.items() if edition.extra}
    return Book(metadata=book_file.metadata, parts=tuple(parts), editions=book_file.editions, root=str(root),
                extras=extras, images=images, entry_types=types), book_file.editions, []


def _part(item: object, path: tuple, doc: YamlDocument, chapters: dict[tuple, Chapter | None], seen_ids: set[str],
          in_body: bool) -> Part:
    where = doc.where(path)
    if isinstance(item, str):
        role = "back" if in_body and item != "table-of-contents" else "front"
        return Part(id=_unique(item, seen_ids), kind=item, role=role, location=where)
    role = {ChapterRef: "body", FrontMatterRef: "front", BackMatterRef: "back"}[type(item)]
    relative = next(iter(item.model_dump().values()))
    # `01-memorable-scenes.yaml` -> `memorable-scenes`: an XML id may not start with a digit.
    stem = re.sub(r"[^a-z0-9]+", "-", Path(relative).stem.lower()).strip("-0123456789") or "part"
    return Part(id=_unique(stem, seen_ids), kind="chapter", role=role, chapter=chapters[path], file=relative,
                location=where)


def _check_exclusions(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    named = [next(iter(item.model_dump().values())) for item in book_file.contents if not isinstance(item, str)]
    for name, edition in book_file.editions.items():
        for index, excluded in enumerate(edition.exclude):
            if excluded not in named:
                problems.append(Diagnostic("unknown-file", f"edition `{name}` leaves out `{excluded}`, which "
                                           "`contents` does not name", doc.where(("editions", name, "exclude", index)),
                                           did_you_mean(excluded, named)))


def _check_contents_length(doc: YamlDocument, problems: list[Diagnostic]) -> None:
    contents = doc.data.get("contents") if isinstance(doc.data, dict) else None
    if isinstance(contents, list) and len(contents) > MAX_CONTENTS:
        problems.append(Diagnostic("too-many-parts", f"`contents` names {len(contents)} items; at most "
                                   f"{MAX_CONTENTS} are allowed", doc.where(("contents", MAX_CONTENTS)),
                                   "put several chapters into one file"))


def _check_layout_names(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    """A layout is named, never given as a path: `../../x` must not reach a folder outside the project."""
    for name, edition in book_file.editions.items():
        if not LAYOUT_NAME.fullmatch(edition.layout):
            problems.append(Diagnostic("bad-layout-name", f"`{edition.layout}` is not a layout name",
                                       doc.where(("editions", name, "layout")),
                                       "name a layout (letters, digits, `-` and `_`), such as `ebook` or `print`; "
                                       "a project's own layouts live in its layouts/ folder"))


def _check_isbns(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    """An `urn:isbn:` identifier must be an ISBN whose check digit is right: stores refuse the book otherwise."""
    named = [(("metadata", "identifier"), book_file.metadata.identifier)]
    named += [(("editions", name, "identifier"), edition.identifier) for name, edition in book_file.editions.items()]
    for path, identifier in named:
        if not identifier.lower().startswith("urn:isbn:"):
            continue
        number = identifier[len("urn:isbn:"):]
        try:
            isbn.validate(number)
        except ValidationError as exc:
            problems.append(Diagnostic("bad-isbn", f"`{number}` is not a valid ISBN: {str(exc).rstrip('.').lower()}",
                                       doc.where(path), "copy the ISBN from your ISBN agency's record; the last "
                                       "digit is a check digit computed from the others"))


def _named_files(data: object) -> list[tuple[tuple, str, str]]:
    """(path of the item, key, file) for each `chapter: FILE`-style item of book.yaml, read from the raw data.

    Items sit in `contents` and in each edition's `extra`.
    """
    if not isinstance(data, dict):
        return []
    lists: list[tuple[tuple, object]] = [(("contents",), data.get("contents"))]
    editions = data.get("editions")
    if isinstance(editions, dict):
        lists += [(("editions", name, "extra"), edition.get("extra"))
                  for name, edition in editions.items() if isinstance(edition, dict)]
    found = []
    for prefix, items in lists:
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and len(item) == 1:
                key, value = next(iter(item.items()))
                # Numbers count as text, as they do for the model (`chapter: 2024`).
                if key in FILE_REFS and isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    if str(value).strip():
                        found.append((prefix + (index,), key, str(value).strip()))
    return found


def _load_chapter(root: Path, relative: str, named_at: Location, problems: list[Diagnostic],
                  budget: _Budget, model: type[Chapter] | None) -> Chapter | None:
    """The chapter file validated by `model` (a chapter whose entries are of the declared types; None when the
    declarations have mistakes: the file is then read and checked, not validated)."""
    manuscript = root / MANUSCRIPT_DIR
    try:
        # resolve() follows every symbolic link, so a link that points out of the project is caught too.
        path = (manuscript / relative).resolve()
        inside = path.is_relative_to(root)
        is_file = inside and path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a name too long for the system
        problems.append(Diagnostic("bad-path", f"`{relative}` cannot be opened: {getattr(exc, 'strerror', None) or exc}",
                                   named_at, "name a file in the project's manuscript/ folder"))
        return None
    if not inside:
        problems.append(Diagnostic("path-outside", f"`{relative}` is outside the book project", named_at,
                                   "keep manuscript files inside the project's manuscript/ folder"))
        return None
    shown = display_path(path, root)
    if not is_file:
        problems.append(Diagnostic("file-missing", f"there is no file `{shown}`", named_at,
                                   _existing_files_hint(manuscript, relative)))
        return None
    if size <= MAX_FILE_BYTES and budget.bytes + size > MAX_MANUSCRIPT_BYTES:  # a larger file says so itself
        problems.append(Diagnostic("book-too-large", f"with `{shown}` the manuscript is larger than "
                                   f"{MAX_MANUSCRIPT_BYTES // (1024 * 1024)} MB", named_at,
                                   "make one book of several volumes"))
        return None
    budget.bytes += size
    try:
        doc = read_yaml(path, shown)
    except BookforgeError as exc:
        problems.extend(exc.diagnostics)
        return None
    entries = doc.data.get("entries") if isinstance(doc.data, dict) else None
    if isinstance(entries, list) and len(entries) > MAX_CHAPTER_ENTRIES:
        problems.append(Diagnostic("too-many-entries", f"the chapter has {len(entries):,} entries; at most "
                                   f"{MAX_CHAPTER_ENTRIES:,} are allowed in one file",
                                   doc.where(("entries", MAX_CHAPTER_ENTRIES)), "split it into several chapter files"))
        return None
    if isinstance(entries, list) and budget.entries + len(entries) > MAX_BOOK_ENTRIES:
        problems.append(Diagnostic("too-many-entries", f"with `{shown}` the book has more than "
                                   f"{MAX_BOOK_ENTRIES:,} entries", named_at, "make one book of several volumes"))
        return None
    budget.entries += len(entries) if isinstance(entries, list) else 0
    if model is None:
        return None
    chapter = validate(model, doc, problems)
    if chapter is not None:
        chapter._source = shown
    return chapter


def _existing_files_hint(manuscript: Path, relative: str) -> str:
    existing = sorted(p.name for p in manuscript.glob("*.yaml") if p.name != BOOK_FILE)
    if not existing:
        return f"{MANUSCRIPT_DIR}/ holds no manuscript files yet"
    listed = f"{MANUSCRIPT_DIR}/ holds " + ", ".join(f"`{name}`" for name in existing)
    close = did_you_mean(relative, existing)
    return f"{close} ({listed})" if close and close.startswith("did you mean") else listed


def _unique(base: str, seen: set[str]) -> str:
    candidate, n = base, 2
    while candidate in seen:
        candidate, n = f"{base}-{n}", n + 1
    seen.add(candidate)
    return candidate
