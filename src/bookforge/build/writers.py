"""The table of writers: for each edition format (bookforge.formats), what turns an edition into its file.

A writer takes a Job (the project, the edition, the stores the build keeps) and returns what it made: the bytes,
and what the report, the page list and the preview need. The build and the preview go through this table; no
other module compares format names.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import MutableMapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bookforge.covers import ebook_cover, print_cover
from bookforge.epub.writer import write_epub
from bookforge.errors import BookforgeError
from bookforge.formats import FORMATS
from bookforge.layout.geometry import GUTTER_BANDS, estimate_pages, gutter_for
from bookforge.manuscript.model import Book, edition_parts, reading_text
from bookforge.project import Project
from bookforge.render.places import PageStart
from bookforge.render.rendition import CHUNK_SIZE, Rendition, render
from bookforge.workers import Workers

if TYPE_CHECKING:  # an ebook's build never imports the print writer (nor WeasyPrint)
    from bookforge.print.chunks import ChunkCounts
    from bookforge.print.writer import PdfResult


@dataclass(frozen=True)
class Job:
    """One edition to make, with what the build keeps for it between builds."""

    project: Project
    name: str
    modified: datetime
    fragments: MutableMapping[str, str]
    """Rendered parts and cut book faces, by a hash of what they are made from."""
    chunks: MutableMapping[str, str] = field(default_factory=dict)
    """A print edition's laid-out chunks."""
    covers: MutableMapping[str, str] | None = None
    """Drawn ebook covers, by a hash of what they are drawn from (the user's shared store: any book may reuse one)."""
    page_hint: int | None = None
    """The page count of the last build (print), which picks the gutter band for the first layout."""
    workers: int = 1
    """Processes a print edition's chunks may be laid out in; an ebook's cover is drawn in one more when > 1."""
    chunk_executor: Executor | None = None
    """Where those chunks are laid out ahead (a Dask cluster's, in a catalogue task); else a pool of the build's own."""
    chunk_size: int = CHUNK_SIZE
    """Characters of HTML in a print edition's chunk (render's `chunk_size`)."""
    cancel: threading.Event | None = None
    """Set, it stops a print edition's layout between chunks (workers.Cancelled)."""
    map_pages: bool = False
    """Print: record where each page starts, for an ebook that carries this edition's page list."""
    page_starts: tuple[PageStart, ...] | None = None
    """Ebook: the print page list to carry."""
    cover_wrap: bool = True
    """Print: draw the cover wrap too (the preview does not)."""


@dataclass(frozen=True)
class Made:
    data: bytes
    rendition: Rendition
    pages: int | None = None
    warnings: tuple = ()
    rendered_parts: tuple[str, ...] = ()
    chunks: ChunkCounts | None = None
    page_starts: tuple[PageStart, ...] = ()
    cover: bytes | None = None
    """The print cover wrap's PDF."""


class Writer(Protocol):
    def write(self, job: Job) -> Made: ...


@dataclass(frozen=True)
class EbookWriter:
    kobo: bool = False
    """Kobo's kepub: every sentence in a span, for highlights and page counts."""

    def write(self, job: Job) -> Made:
        book, layout = job.project.book, job.project.layouts[job.name]
        # A cover to draw (no build of this user's drew it before) is drawn on another core meanwhile; in a
        # catalogue's task (a chunk executor of the cluster's), in the task.
        spare = job.workers > 1 and job.chunk_executor is None
        with Workers(1, fork=True) if spare else contextlib.nullcontext() as pool:
            cover = ebook_cover(book, job.name, layout, job.modified, job.covers, pool)
            rendition = render(book, job.name, layout, fragments=job.fragments)
            data = write_epub(rendition, job.modified, cover.image(), page_starts=job.page_starts,
                              kobo=self.kobo, store=job.fragments)
        return Made(data, rendition, warnings=rendition.fallback.warnings, rendered_parts=rendition.rendered_parts)


class PrintWriter:
    def write(self, job: Job) -> Made:
        book, layout = job.project.book, job.project.layouts[job.name]
        result, rendition, rendered = self.lay_out(job)
        errors = [w for w in result.warnings if w.severity == "error"]
        if errors:
            raise BookforgeError(errors)
        # The cover wrap, sized from this interior's real page count; made before anything is written.
        cover = print_cover(book, job.name, layout, result.pages, job.modified, job.fragments,
                            os.environ.get("SOURCE_DATE_EPOCH", "")) if job.cover_wrap else None
        return Made(result.data, rendition, pages=result.pages, warnings=result.warnings, rendered_parts=rendered,
                    chunks=result.chunks, page_starts=result.page_starts, cover=cover)

    @staticmethod
    def lay_out(job: Job) -> tuple[PdfResult, Rendition, tuple[str, ...]]:
        """Lay out; when the gutter is `auto` and the page count lands in another band, lay out again.

        The last build's page count, or else an estimate from the text, picks the band for the first layout, which
        is then usually the only one. A layout in chunks stops as soon as its page count passes the band's end, or a
        quarter of its text predicts a count out of the band, and starts again in the band predicted.
        Returns the PDF, the rendition it was made from, and the parts rendered.
        """
        from bookforge.print.chunks import OutOfBand
        from bookforge.print.writer import write_pdf

        book, name, layout = job.project.book, job.name, job.project.layouts[job.name]
        counted = job.page_hint or estimated_pages(book, name, layout.settings)
        auto = layout.settings["margins"]["inside"] == "auto"

        def pdf(page_count: int, last_try: bool, pool: Workers) -> tuple[PdfResult, Rendition]:
            rendition = render(book, name, layout, page_count=page_count, fragments=job.fragments,
                               chunk_size=job.chunk_size)
            return write_pdf(rendition, job.modified, map_pages=job.map_pages, chunk_store=job.chunks,
                             chunk_workers=job.workers, cancel=job.cancel, chunk_executor=job.chunk_executor or pool,
                             page_band=None if last_try or not auto else band_of(page_count)), rendition

        # The processes that lay chunks out ahead (started only if there are enough chunks) serve every attempt.
        with Workers(max(1, job.workers - 1), fork=True) as pool:
            for attempt in range(4):  # a wider gutter adds pages, which can move the count into the next band
                try:
                    result, rendition = pdf(counted, attempt == 3, pool)
                except OutOfBand as wrong:
                    counted = wrong.predicted
                    continue
                if not auto or gutter_for(result.pages) == gutter_for(counted):
                    break
                counted = result.pages
        return result, rendition, rendition.rendered_parts


def band_of(pages: int) -> tuple[int, int | None]:
    """The first and last page counts of the gutter band `pages` is in (None: the widest band has no end)."""
    first = 1
    for end, _ in GUTTER_BANDS[:-1]:
        if pages <= end:
            return first, end
        first = end + 1
    return first, None


def estimated_pages(book: Book, name: str, settings) -> int:
    """Roughly how many pages a print edition has, from its text: before anything is laid out."""
    chapters = [part.chapter for part in edition_parts(book, name) if part.chapter is not None]
    entries = [entry for chapter in chapters for entry in chapter.typed_entries]
    texts = [text for chapter in chapters for text in chapter.prose_texts()]
    texts += [text for entry in entries for text in reading_text(entry)]
    characters = sum(len(text) for text in texts) + sum(len(chapter.title or "") for chapter in chapters)
    paragraphs = sum(text.count("\n\n") + 1 for text in texts if text)
    return estimate_pages(settings, characters, paragraphs, len(entries), len(chapters))


WRITERS: dict[str, Writer] = {"epub": EbookWriter(), "kepub": EbookWriter(kobo=True), "pdf": PrintWriter()}
assert WRITERS.keys() == FORMATS.keys(), "every format in bookforge.formats has a writer"
