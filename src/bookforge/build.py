"""The orchestrator: load the book once, then for each edition resolve its layout, render, write atomically."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .epub import write_epub
from .errors import BookforgeError, Diagnostic, did_you_mean
from .layout import Layout, load_layout
from .load import load_book
from .model import Book, edition_parts
from .pdf import PdfResult, write_pdf
from .render import render
from .trim import gutter_for

BUILD_DIR = "build"


@dataclass(frozen=True)
class EditionResult:
    name: str
    format: str
    path: Path
    size: int
    pages: int | None
    """Printed pages (PDF) or None."""
    documents: int
    """Content documents (EPUB) or parts (PDF)."""
    seconds: float
    warnings: tuple[Diagnostic, ...]
    cover: Path | None = None
    """The cover wrap (PDF editions)."""


def source_date() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), otherwise now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except ValueError:
            raise BookforgeError([Diagnostic("bad-environment", f"SOURCE_DATE_EPOCH is not a number: `{epoch}`",
                                             hint="set it to seconds since 1970, e.g. `git log -1 --format=%ct`")])
    return datetime.now(timezone.utc).replace(microsecond=0)


def select_editions(book: Book, names: tuple[str, ...] | list[str]) -> list[str]:
    if not names:
        return list(book.editions)
    unknown = [name for name in names if name not in book.editions]
    if unknown:
        raise BookforgeError([Diagnostic("unknown-edition", f"the book has no edition `{name}`",
                                         hint=did_you_mean(name, book.editions)) for name in unknown])
    return list(dict.fromkeys(names))


def build(root: Path, editions: tuple[str, ...] | list[str] = (), output: Path | None = None,
          on_start: Callable[[str, int, int], None] = lambda name, index, total: None) -> list[EditionResult]:
    """Build the named editions (all when none are named) into `output` (default: the project's build/)."""
    root = root.resolve()
    output = (output or root / BUILD_DIR).resolve()
    book = load_book(root)
    names = select_editions(book, editions)
    modified = source_date()
    results = []
    for index, name in enumerate(names, 1):
        on_start(name, index, len(names))
        results.append(build_edition(book, name, output, modified))
    return results


def build_edition(book: Book, name: str, output: Path, modified: datetime) -> EditionResult:
    started = time.perf_counter()
    root = Path(book.root)
    edition = book.editions[name]
    layout = load_layout(root, edition.layout, edition.location_of("layout"))
    if layout.format != edition.format:
        raise BookforgeError([Diagnostic(
            "layout-format", f"edition `{name}` is `{edition.format}` but layout `{layout.name}` makes "
            f"`{layout.format or 'nothing'}`", edition.location_of("format"),
            "choose a layout that extends `ebook` for EPUB editions and `print` for PDF editions")])
    rendition = render(book, name, layout)
    slug = file_slug(rendition.title)
    if edition.format == "epub":
        data, warnings, pages = write_epub(rendition, modified), (), None
    else:
        result = _lay_out_print(book, name, layout, modified)
        data, warnings, pages = result.data, result.warnings, result.pages
        errors = [w for w in warnings if w.severity == "error"]
        if errors:
            raise BookforgeError(errors)
    # The cover wrap, sized from this interior's real page count (PDF editions); made before anything is written.
    cover_data = cover_pdf(book, name, layout, pages, modified) if pages is not None else None
    path = output / name / f"{slug}.{edition.format}"
    write_atomically(path, data)
    cover = output / name / f"{slug}-cover.pdf" if cover_data is not None else None
    if cover is not None:
        write_atomically(cover, cover_data)
    return EditionResult(name=name, format=edition.format, path=path, size=len(data), pages=pages,
                         documents=len(edition_parts(book, name)), seconds=time.perf_counter() - started, warnings=warnings,
                         cover=cover)


def _lay_out_print(book: Book, name: str, layout: Layout, modified: datetime) -> PdfResult:
    """Lay out; when the gutter is `auto` and the page count lands in another band, lay out again."""
    result = write_pdf(render(book, name, layout), modified)
    if layout.settings["margins"]["inside"] != "auto":
        return result
    counted = 0
    for _ in range(3):  # a wider gutter adds pages, which can move the count into the next band once more
        if gutter_for(result.pages) == gutter_for(counted):
            break
        counted = result.pages
        result = write_pdf(render(book, name, layout, page_count=counted), modified)
    return result


def file_slug(title: str) -> str:
    """`Café Stories` -> `cafe-stories`: output file names that every system and store accepts."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "book"


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


def cover_pdf(book: Book, name: str, layout: Layout, pages: int, modified: datetime) -> bytes:
    """The print cover wrap for an interior of `pages` pages; its problems fail the build."""
    from .cover import write_cover

    result, _ = write_cover(book, name, layout, pages, modified)
    errors = [w for w in result.warnings if w.severity == "error"]
    if errors:
        raise BookforgeError(errors)
    return result.data
