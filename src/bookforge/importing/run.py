"""The import, start to end: read the source by its kind, convert it, write the project, sum up what came through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.importing.convert import convert
from bookforge.importing.model import ImportedBook
from bookforge.importing.write import write_project
from bookforge.manuscript.markdown import SUFFIXES
from bookforge.manuscript.types import RESERVED_TYPES

KINDS = {".epub": "EPUB", ".docx": "Word", ".txt": "plain text", **dict.fromkeys(SUFFIXES, "Markdown")}


@dataclass(frozen=True)
class ImportResult:
    files: tuple[Path, ...]
    book: ImportedBook | None
    """None when plain text in the sample's entry layout was imported as typed entries (textimport)."""
    notices: tuple[Diagnostic, ...]


def import_book(source: Path, folder: Path, *, chapter_style: str | None = None, chapter_pattern: str | None = None,
                entry_type: str | None = None, force: bool = False) -> ImportResult:
    """Import `source` into the project folder `folder`. `chapter_style`: the Word style that starts chapters;
    `chapter_pattern`: a regular expression for plain text's chapter lines; `entry_type`: `--entries`."""
    shown = source.name or str(source)
    if entry_type is not None:
        _check_type_name(entry_type)
    if source.is_dir():
        kind = "EPUB" if (source / "META-INF" / "container.xml").is_file() else "Markdown"
    else:
        kind = KINDS.get(source.suffix.lower())
    if kind is None:
        raise BookforgeError([Diagnostic("import-source", f"bookforge cannot import a `{source.suffix}` file",
                                         Location(shown), "give an .epub, .docx, .md or .txt file, or a folder of "
                                         ".md files")])
    if kind == "plain text":
        entries = _entries_text(source, folder, force)
        if entries is not None:
            return ImportResult(tuple(entries), None, ())
    if kind == "EPUB":
        from bookforge.importing.epub import read_epub

        read = read_epub(source, shown)
    elif kind == "Word":
        from bookforge.importing.docx import read_docx

        read = read_docx(source, shown, chapter_style)
    elif kind == "Markdown":
        from bookforge.importing.markdown_in import read_markdown

        read = read_markdown(source, shown)
    else:
        from bookforge.importing.markdown_in import read_text

        read = read_text(source, shown, _pattern(chapter_pattern) if chapter_pattern else None)
    try:
        book = convert(read, entry_type)
    finally:
        read.close()
    files, notices = write_project(book, folder, shown, force=force)
    return ImportResult(tuple(files), book, book.notices + tuple(notices))


def _pattern(written: str) -> re.Pattern:
    try:
        return re.compile(written, re.IGNORECASE)
    except re.error as exc:
        problem = Diagnostic("bad-value", f"`{written}` is not a regular expression: {exc}",
                             Location("--chapter-pattern"), "for example `^(Chapter|Part) \\w+$`")
        raise BookforgeError([problem]) from None


def _check_type_name(name: str) -> None:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise BookforgeError([Diagnostic("bad-type-name", f"`{name}` cannot name an entry type", Location("--entries"),
                                         "lower-case letters, digits and `-`, starting with a letter: "
                                         "`glossary-term`")])
    if name in RESERVED_TYPES or name in ("scene", "note", "figure"):
        raise BookforgeError([Diagnostic("reserved-name", f"`{name}` is a name bookforge uses itself",
                                         Location("--entries"), "choose another, e.g. `term` or `headword`")])


def _entries_text(source: Path, folder: Path, force: bool) -> list[Path] | None:
    """Text in the sample's layout (titled entries ending `Context:` or `Why it matters:`), imported as typed entries
    exactly as `import-text` does; None for any other text."""
    from bookforge.importing.archive import read_source
    from bookforge.manuscript.textimport import ImportError_, import_text_file, parse_text

    try:
        parse_text(read_source(source, source.name).decode("utf-8-sig"))
    except (ImportError_, UnicodeDecodeError):
        return None
    return import_text_file(source, folder / "manuscript", force=force)


def summary(result: ImportResult) -> str:
    """One line: what came through, and how much was simplified (each reported above it)."""
    counts = result.book.counts if result.book is not None else {}
    parts = [_counted(counts.get(key, 0), *words) for key, *words in SUMMARY if key != "entries" or counts.get(key)]
    simplified = len(result.notices)
    said = f"; {_counted(simplified, 'thing', 'things')} simplified (listed above)" if simplified else \
        "; nothing simplified"
    return "imported " + ", ".join(parts) + said


SUMMARY = (("chapters", "chapter", "chapters"), ("words", "word", "words"), ("images", "image", "images"),
           ("notes", "note", "notes"), ("headings", "heading", "headings"), ("emphasis", "emphasis", "emphases"),
           ("verse", "verse passage", "verse passages"), ("scene breaks", "scene break", "scene breaks"),
           ("entries", "entry", "entries"))


def _counted(number: int, one: str, more: str) -> str:
    return f"{number:,} {one if number == 1 else more}"
