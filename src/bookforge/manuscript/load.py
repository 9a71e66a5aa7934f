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
from bookforge.manuscript.entries import EntryModels, entry_models
from bookforge.manuscript.coverart import load_cover
from bookforge.manuscript.images import load_images
from bookforge.manuscript.labels import check_labels
from bookforge.manuscript.markdown import SUFFIXES, is_markdown, read_markdown
from bookforge.manuscript.model import (
    BACK_MATTER,
    BODY_MATTER,
    FILE_REFS,
    UNTITLED_MATTER,
    Book,
    BookFile,
    Chapter,
    Division,
    Edition,
    FileRef,
    Part,
)
from bookforge.manuscript.ordering import arranged
from bookforge.manuscript.references import check_references
from bookforge.manuscript.textcheck import check_prose
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
    shown = f"{MANUSCRIPT_DIR}/{BOOK_FILE}"  # as named: a symbolic link is not followed to name it
    if not book_path.is_file():
        return None, None, [Diagnostic(
            "no-book", f"there is no {shown} here", Location(shown),
            "run bookforge in a book project folder, or create one with `bookforge new DIR`")]
    problems: list[Diagnostic] = []
    doc = read_yaml(book_path, shown, root)
    book_file = validate(BookFile, doc, problems)
    _check_contents_length(doc, problems)
    # Entry types: bookforge's, the editions' layouts' and the book's own. Chapters are validated against them
    # only when every declaration is right (a mistake in one would show as a mistake in every entry of the type).
    declared_problems: list[Diagnostic] = []
    types = load_entry_types(root, edition_layouts(doc.data), declared_problems)
    problems.extend(declared_problems)
    models = None if declared_problems else entry_models(types)
    # Chapter files are read even when book.yaml has problems, so the author sees every mistake at once.
    budget = _Budget(len(doc.source.encode("utf-8", "surrogatepass")))
    chapters = {path: _load_chapter(root, relative, doc.where(path + (key,)), problems, budget, models,
                                    titled=key in TITLED_REFS)
                for path, key, relative in _named_files(doc.data)[:MAX_CONTENTS * 2]}
    if book_file is not None:
        _check_exclusions(book_file, doc, problems)
        _check_isbns(book_file, doc, problems)
        check_prose(book_file.metadata, ("metadata",), doc, problems)
        if not declared_problems:
            check_edition_types(book_file.editions, types, doc, problems)
            check_labels(book_file.labels, (f"{kind.name}.{name}" for kind in types for name in kind.fields), doc,
                         problems)
    if chapters and all(chapter is not None for chapter in chapters.values()):  # else targets may be missing
        check_references(list(chapters.values()), problems)
    remote = isinstance(doc.data, dict) and doc.data.get("remote_images") is True
    divisions = _divisions(book_file, doc, problems, models) if book_file is not None else {}
    texts = [chapter for chapter in [*chapters.values(), *divisions.values()] if chapter is not None]
    images = load_images(root, texts, problems, remote)
    cover = load_cover(root, book_file, doc, problems) if book_file is not None else None
    if book_file is None or problems:
        return None, book_file.editions if book_file is not None else None, problems

    language = book_file.metadata.language
    chapters = {path: arranged(chapter, language) if chapter is not None else None for path, chapter in chapters.items()}
    seen_ids: set[str] = {NOTES_ID}  # the id of the notes at the end of the book (render/matter.py), when a layout
    parts: list[Part] = []          # puts them there
    in_body = False
    for index, item in enumerate(book_file.contents):
        if isinstance(item, Division):
            division = Part(id=_unique(_slug(item.part, "part"), seen_ids), kind="part", role="body",
                            chapter=divisions[index], location=doc.where(("contents", index)),
                            label=item.label)
            parts.append(division)
            parts += [_part(child, ("contents", index, "contents", n), doc, chapters, seen_ids, True, division.id)
                      for n, child in enumerate(item.contents)]
            in_body = True
            continue
        part = _part(item, ("contents", index), doc, chapters, seen_ids, in_body)
        in_body = in_body or part.role == "body"
        parts.append(part)
    extras = {name: tuple(_part(item, ("editions", name, "extra", index), doc, chapters, seen_ids, None)
                          for index, item in enumerate(edition.extra))
              for name, edition in book_file.editions.items() if edition.extra}
    return Book(metadata=book_file.metadata, parts=tuple(parts), editions=book_file.editions, root=str(root),
                extras=extras, images=images, entry_types=types, cover=cover, labels=book_file.labels,
                quotes=book_file.quotes), book_file.editions, []


NOTES_ID = "book-notes"
TITLED_REFS = ("chapter", "frontmatter", "backmatter")
"""Files that must have a `title`; front and back matter of a type (`foreword: FILE`) are titled by it."""


def _divisions(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic],
               models: EntryModels | None) -> dict[int, Chapter]:
    """Each `part:` of `contents` as the text of its title page, by its index in `contents` (a chapter of the
    declared types' model, as every other text of the book is)."""
    found = {}
    for index, item in enumerate(book_file.contents):
        if isinstance(item, Division):
            chapter = (models.chapter if models is not None else Chapter)(title=item.part, text=item.text)
            chapter._location = doc.where(("contents", index))
            chapter._field_locations = {"title": doc.where(("contents", index, "part")),
                                        "text": doc.where(("contents", index, "text"))}
            chapter._prose_figures = tuple(check_prose(item, ("contents", index), doc, problems, _figure(models)))
            chapter._source = doc.file  # a part's title and text are read from book.yaml
            found[index] = chapter
    return found


def _part(item: object, path: tuple, doc: YamlDocument, chapters: dict[tuple, Chapter | None], seen_ids: set[str],
          in_body: bool | None, division: str | None = None) -> Part:
    """`in_body`: whether the main matter has begun where the item stands (None for an edition's `extra`, which
    takes its type's usual place)."""
    where = doc.where(path)
    if isinstance(item, str):
        role = "back" if in_body and item != "table-of-contents" else "front"  # (an extra is always a file)
        # A generated page keeps its kind as its id (`half-title`): the file parts' ids are kept free of its forms.
        return Part(id=_unique(item, seen_ids, generated=True), kind=item, role=role, location=where)
    assert isinstance(item, FileRef)
    key = item.KEY
    if key in ("chapter", "frontmatter", "backmatter"):
        kind, role = "chapter", {"chapter": "body", "frontmatter": "front", "backmatter": "back"}[key]
    else:  # a type of front or back matter: its place says which, but for the story's own prologue and epilogue
        if in_body is None:
            in_body = key in BACK_MATTER
        kind, role = key, "body" if key in BODY_MATTER else "back" if in_body else "front"
    in_toc = item.toc if item.toc is not None else key not in UNTITLED_MATTER
    return Part(id=_unique(_slug(Path(item.file).stem, "part"), seen_ids), kind=kind, role=role,
                chapter=chapters[path], file=item.file, location=where, in_toc=in_toc, division=division)


def _slug(text: str, fallback: str) -> str:
    """`01-memorable-scenes` -> `memorable-scenes`: an XML id may not start with a digit."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-0123456789") or fallback


def _check_exclusions(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    named = [item.file for item in _file_refs(book_file.contents)]
    for name, edition in book_file.editions.items():
        for index, excluded in enumerate(edition.exclude):
            if excluded not in named:
                problems.append(Diagnostic("unknown-file", f"edition `{name}` leaves out `{excluded}`, which "
                                           "`contents` does not name", doc.where(("editions", name, "exclude", index)),
                                           did_you_mean(excluded, named)))


def _file_refs(contents) -> list[FileRef]:
    """Every file `contents` names, parts' chapters included."""
    found = []
    for item in contents:
        if isinstance(item, Division):
            found += list(item.contents)
        elif isinstance(item, FileRef):
            found.append(item)
    return found


def _check_contents_length(doc: YamlDocument, problems: list[Diagnostic]) -> None:
    contents = doc.data.get("contents") if isinstance(doc.data, dict) else None
    if isinstance(contents, list) and len(contents) > MAX_CONTENTS:
        problems.append(Diagnostic("too-many-parts", f"`contents` names {len(contents)} items; at most "
                                   f"{MAX_CONTENTS} are allowed", doc.where(("contents", MAX_CONTENTS)),
                                   "put several chapters into one file"))


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
            if isinstance(item, dict) and "part" in item and prefix == ("contents",):
                inner = item.get("contents")
                found += [entry for n, child in enumerate(inner if isinstance(inner, list) else [])
                          for entry in _file_item(child, prefix + (index, "contents", n))]
            else:
                found += _file_item(item, prefix + (index,))
    return found


def _file_item(item: object, path: tuple) -> list[tuple[tuple, str, str]]:
    if not isinstance(item, dict):
        return []
    keys = [key for key in item if key in FILE_REFS]
    if len(keys) != 1:
        return []
    value = item[keys[0]]
    # Numbers count as text, as they do for the model (`chapter: 2024`).
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
        return [(path, keys[0], str(value).strip())]
    return []


def _load_chapter(root: Path, relative: str, named_at: Location, problems: list[Diagnostic],
                  budget: _Budget, models: EntryModels | None, *, titled: bool = True) -> Chapter | None:
    """The chapter file validated by `models.chapter` (a chapter whose entries are of the declared types; None when
    the declarations have mistakes: the file is then read and checked, not validated)."""
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
        if path.exists():  # a folder, a named pipe, a device: never opened
            problems.append(Diagnostic("not-a-file", f"`{shown}` is not a regular file", named_at,
                                       "name a YAML file in the project's manuscript/ folder"))
        else:
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
        doc = read_markdown(path, shown, root) if is_markdown(path) else read_yaml(path, shown, root)
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
    if models is None:
        return None
    chapter = validate(models.chapter, doc, problems)
    if chapter is None:
        return None
    chapter._source = shown
    if titled and chapter.title is None:
        problems.append(Diagnostic("missing-key", "`title` is required here", doc.where((), key=True),
                                   f"`title`: {Chapter.model_fields['title'].description.split(';')[0]}"))
    chapter._prose_figures = tuple(check_prose(chapter, (), doc, problems, _figure(models)))
    return chapter


def _figure(models: EntryModels | None) -> type | None:
    """The declared `figure` type's class, which images written in prose are made of."""
    return models.entries["figure"] if models is not None else None


def _existing_files_hint(manuscript: Path, relative: str) -> str:
    files = manuscript.iterdir() if manuscript.is_dir() else ()
    existing = sorted(p.name for p in files if p.suffix.lower() in (".yaml", *SUFFIXES) and p.name != BOOK_FILE)
    if not existing:
        return f"{MANUSCRIPT_DIR}/ holds no manuscript files yet"
    listed = f"{MANUSCRIPT_DIR}/ holds " + ", ".join(f"`{name}`" for name in existing)
    close = did_you_mean(relative, existing)
    return f"{close} ({listed})" if close and close.startswith("did you mean") else listed


# Ids bookforge gives other things beside the parts' ids, in the same EPUB package or document: the package's
# (ebooklib's `id`, `nav`, `ncx`; the cover's `cover` and `cover-image`; `subtitle`, `creatorN`; resources'
# `r-...`), the page list's markers (`page-...`), Kobo's wrappers, and what the templates make of a part's id
# (`ID-title`, `ID-entry-N`, `ID-entry-N-title`, a group of entries' `ID-group-N`). A part id never has one of these
# forms, so no two ids meet.
_TAKEN = re.compile(r"id|nav|ncx|cover|cover-image|subtitle|creator\d+|page|book-columns|book-inner|.*-title|"
                    r".*-entry-\d+|.*-group-\d+")
_TAKEN_PREFIX = re.compile(r"(r|page)-")


def _unique(base: str, seen: set[str], generated: bool = False) -> str:
    """A part id: `base` (or `base-2`, `base-3`...) made free of the forms above, and not given before; a generated
    page's id is its kind."""
    free = (lambda ident: ident) if generated else _free
    candidate, n = free(base), 2
    while candidate in seen or f"{candidate}-title" in seen:
        candidate, n = free(f"{base}-{n}"), n + 1
    seen.add(candidate)
    return candidate


def _free(ident: str) -> str:
    """`ident`, or `part-ident` / `ident-part` when it has a form bookforge gives other ids (`x-title` ->
    `x-title-part`); neither `part-...` nor `...-part` is such a form."""
    while True:
        if _TAKEN_PREFIX.match(ident):
            ident = f"part-{ident}"
        elif _TAKEN.fullmatch(ident):
            ident = f"{ident}-part"
        else:
            return ident
