"""The import, start to end: read the source by its kind, convert it, write the project, sum up what came through."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.importing.convert import convert
from bookforge.importing.model import ImportedBook
from bookforge.importing.write import write_project
from bookforge.manuscript.markdown import SUFFIXES

KINDS = {".epub": "EPUB", ".docx": "Word", ".txt": "plain text", **dict.fromkeys(SUFFIXES, "Markdown")}


@dataclass(frozen=True)
class ImportResult:
    files: tuple[Path, ...]
    book: ImportedBook | None
    """None when plain text in the sample's entry layout was imported as typed entries (textimport)."""
    notices: tuple[Diagnostic, ...]


def import_book(source: Path, folder: Path, *, chapter_style: str | None = None, force: bool = False) -> ImportResult:
    shown = source.name or str(source)
    kind = "Markdown" if source.is_dir() else KINDS.get(source.suffix.lower())
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

        read = read_text(source, shown)
    book = convert(read)
    files, notices = write_project(book, folder, shown, force=force)
    return ImportResult(tuple(files), book, book.notices + tuple(notices))


def _entries_text(source: Path, folder: Path, force: bool) -> list[Path] | None:
    """Text in the sample's layout (titled entries ending `Context:` or `Why it matters:`), imported as typed entries
    exactly as `import-text` does; None for any other text."""
    from bookforge.manuscript.textimport import ImportError_, import_text_file, parse_text

    try:
        parse_text(source.read_text(encoding="utf-8-sig"))
    except (ImportError_, UnicodeDecodeError):
        return None
    return import_text_file(source, folder / "manuscript", force=force)


def summary(book: ImportedBook) -> str:
    counts = book.counts
    parts = [f"{counts.get('chapters', 0)} chapters", f"{counts.get('words', 0):,} words",
             f"{counts.get('images', 0)} images", f"{counts.get('notes', 0)} notes",
             f"{counts.get('headings', 0)} headings", f"{counts.get('emphasis', 0)} emphases",
             f"{counts.get('verse', 0)} verse passages", f"{counts.get('scene breaks', 0)} scene breaks"]
    simplified = len(book.notices)
    return "imported " + ", ".join(parts) + (f"; {simplified} things simplified (listed above)" if simplified else
                                             "; nothing simplified")
