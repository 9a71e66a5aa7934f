"""One edition built: its writer called with the stores kept in build/.cache, its files written atomically."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path

from bookforge.build.cache import (
    CHUNKS_DIR,
    COVERS_DIR,
    FRAGMENTS_DIR,
    Cache,
    FragmentStore,
    edition_inputs,
    load_page_map,
    shared_store,
    store_page_map,
)
from bookforge.build.output import file_slug, write_atomically
from bookforge.build.report import EditionResult
from bookforge.build.writers import WRITERS, Job, PrintWriter
from bookforge.errors import BookforgeError
from bookforge.manuscript.model import Book, edition_parts, reading_text
from bookforge.project import Project
from bookforge.render.places import PageStart
from bookforge.render.rendition import CHUNK_SIZE


def build_edition(project: Project, name: str, output: Path, modified: datetime, *, strict: bool = False,
                  page_hint: int | None = None, workers: int = 1, run: str | None = None,
                  fresh: bool = False, chunk_size: int = CHUNK_SIZE,
                  cancel: threading.Event | None = None) -> EditionResult:
    """Build one edition; a print edition's chunks (of `chunk_size` characters) may be laid out in `workers`
    processes; `cancel` set stops its layout between chunks.

    `run` names the build this edition is part of; with `fresh` (--force) the cache gives only what this build
    put there.
    """
    started = time.perf_counter()
    edition, fmt = project.editions[name], project.format(name)
    source = project.page_list_sources.get(name)
    cache = Cache(output, run, fresh)
    job = Job(project, name, modified, cache.store(FRAGMENTS_DIR), chunk_store(output, name, cache),
              covers=shared_store(COVERS_DIR, ".txt", cache.run, fresh), page_hint=page_hint, workers=workers,
              chunk_size=chunk_size, cancel=cancel, map_pages=name in project.page_list_sources.values(),
              page_starts=print_page_starts(project, source, cache, modified, chunk_size, cancel) if source else None)
    made = WRITERS[edition.format].write(job)
    if job.map_pages:
        _store_page_starts(project, name, cache, made.page_starts)
    if strict and made.warnings:
        raise BookforgeError(made.warnings)
    slug = file_slug(made.rendition.title)
    path = output / name / f"{slug}.{fmt.extension}"
    write_atomically(path, made.data, root=output)
    cover = output / name / f"{slug}-cover.pdf" if made.cover is not None else None
    if cover is not None:
        write_atomically(cover, made.cover, root=output)
    return EditionResult(name=name, format=edition.format, path=path, size=len(made.data), pages=made.pages,
                         documents=len(edition_parts(project.book, name)), words=word_count(project.book, name),
                         seconds=time.perf_counter() - started, rebuilt=True, warnings=made.warnings,
                         rendered_parts=made.rendered_parts, cover=cover, chunks=made.chunks)


def chunk_store(output: Path, name: str, cache: Cache | None = None) -> FragmentStore:
    """Where print edition `name`'s laid-out chunks are kept between builds."""
    return (cache or Cache(output)).store(f"{CHUNKS_DIR}/{name}", suffix=".json")


def print_page_starts(project: Project, name: str, cache: Cache, modified: datetime, chunk_size: int = CHUNK_SIZE,
                      cancel: threading.Event | None = None) -> tuple[PageStart, ...]:
    """Where each page of print edition `name` starts: from its last build when that is current, else laid out now."""
    key = edition_inputs(project.book, name, project.layouts[name], os.environ.get("SOURCE_DATE_EPOCH", ""))
    starts = load_page_map(cache, name, key)
    if starts is None:
        job = Job(project, name, modified, cache.store(FRAGMENTS_DIR), chunk_store(cache.output, name, cache),
                  map_pages=True, chunk_size=chunk_size, cancel=cancel)
        result, _, _ = PrintWriter.lay_out(job)
        starts = _store_page_starts(project, name, cache, result.page_starts)
    return starts


def _store_page_starts(project: Project, name: str, cache: Cache, starts: tuple) -> tuple:
    key = edition_inputs(project.book, name, project.layouts[name], os.environ.get("SOURCE_DATE_EPOCH", ""))
    store_page_map(cache, name, key, tuple(starts))
    return starts


def word_count(book: Book, name: str) -> int:
    """Words of the manuscript text in one edition (titles, introductions and every entry field)."""
    words = 0
    for part in edition_parts(book, name):
        if part.chapter is None:
            continue
        texts = [part.chapter.title or "", *part.chapter.prose_texts()]
        texts += [text for entry in part.chapter.typed_entries for text in reading_text(entry)]
        words += sum(len(re.findall(r"\w+(?:['’]\w+)*", text)) for text in texts)
    return words
