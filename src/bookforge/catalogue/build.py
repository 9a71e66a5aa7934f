"""`bookforge catalogue build`, as a straight line: read the catalogue, load every book here, keep what is current
(in each book's build folder or in the shared store), send the rest to the workers as content, write what comes
back, report."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bookforge.build.lock import build_lock
from bookforge.build.output import CACHE_DIR, write_atomically
from bookforge.catalogue.books import BUILD_DIR, BookRun, book_output
from bookforge.catalogue.engines import DEFAULT, Engine, start_engine
from bookforge.catalogue.file import Catalogue
from bookforge.catalogue.pack import BookPack
from bookforge.catalogue.report import REPORT_FILE, CatalogueReport, Progress
from bookforge.catalogue.store import SignedStore, StoreSpec, store_secret
from bookforge.errors import BookforgeError, Diagnostic

if TYPE_CHECKING:
    from bookforge.catalogue.tasks import EditionTask

WINDOW = 2
ATTEMPTS = 3
"""Times a task is sent when its worker (or its input) is lost, before its book fails."""
STORE_DIR = "store"


@dataclass
class _Running:
    book: BookRun
    edition: str
    task: EditionTask
    attempts: int = 1


@dataclass
class Settings:
    """How the catalogue is built (the command line's options)."""

    output: Path | None = None
    """One folder for every book's outputs (by book); default: each book's own build/."""
    jobs: int = os.cpu_count() or 1
    engine: str = DEFAULT
    scheduler: str | None = None
    """A Dask scheduler's address: build on that cluster instead of this machine."""
    store: str | None = None
    """The shared store's URL; default: the catalogue's `store:`, else a folder in its build/.cache/."""
    force: bool = False
    chunk_size: int | None = None
    """Characters of HTML in a print edition's chunk (as `build`'s); default: render's CHUNK_SIZE."""
    dashboard: bool = False
    on_event: Callable[[Progress], None] = field(default=lambda progress: None)
    on_engine: Callable[[Engine], None] = field(default=lambda engine: None)
    """Called once the engine runs (the command line shows Dask's dashboard link; tests reach the workers)."""


def build_catalogue(catalogue: Catalogue, settings: Settings | None = None,
                    engines: Callable[[], Engine] | None = None) -> CatalogueReport:
    """Build every edition of every book; a book with problems fails alone (its problems in the report).

    The engine is started only when there is something to build (a no-op build starts no worker); `engines`, when
    given, starts it and is left to close it (`catalogue check` goes on with the same workers).
    """
    settings = settings or Settings()
    started = time.perf_counter()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    secret = store_secret()
    spec = StoreSpec.of(store_location(catalogue, settings), secret)
    store = SignedStore(spec.url, secret)
    books = [BookRun(entry, book_output(entry, settings.output)) for entry in catalogue.books]
    run = _Run(catalogue, settings, books, store, epoch)
    with ExitStack() as stack:
        for book in books:
            book.open(catalogue, epoch)
            if book.project is None:
                continue
            try:
                stack.enter_context(build_lock(book.output))
                book.keep_current(store, settings.force, catalogue)
            except BookforgeError as exc:
                book.fail(exc.diagnostics, catalogue)
            except OSError as exc:
                book.write_failure(exc)
        for book in books:
            if not book.todo or not book.ok:
                run.finish(book)
        if any(book.todo and book.ok for book in books):
            engine = engines() if engines is not None else start_engine(settings.engine, settings.jobs,
                                                                         settings.scheduler, settings.dashboard)
            try:
                settings.on_engine(engine)
                # Workers on another machine see none of this one's folders: they share a store only if named.
                local = settings.scheduler is None or settings.store is not None or catalogue.store is not None
                run.go(engine, spec if local else None)
            finally:
                if engines is None:
                    engine.close()
            name, workers, dashboard = engine.name, engine.workers, engine.dashboard
        else:
            name, workers, dashboard = "none (nothing to build)", 0, None
    report = CatalogueReport(tuple(book.outcome() for book in books), time.perf_counter() - started, name, workers,
                             run.tasks_run, run.retried, spec.url, dashboard)
    write_report(report, catalogue, settings)
    return report


def write_report(report: CatalogueReport, catalogue: Catalogue, settings: Settings) -> Path:
    path = (settings.output.resolve() if settings.output else catalogue.root / BUILD_DIR) / REPORT_FILE
    write_atomically(path, report.to_json(catalogue.root).encode())
    return path


def store_location(catalogue: Catalogue, settings: Settings) -> str:
    if settings.store:
        return settings.store if "://" in settings.store else str(Path(settings.store).resolve())
    return catalogue.store or str(catalogue.root / BUILD_DIR / CACHE_DIR / STORE_DIR)


class _Run:
    """The asking machine's side while tasks run: what is running, waiting, finished."""

    def __init__(self, catalogue: Catalogue, settings: Settings, books: list[BookRun], store: SignedStore,
                 epoch: str):
        self.catalogue, self.settings, self.books, self.store = catalogue, settings, books, store
        self.epoch = epoch
        self.started = time.perf_counter()
        self.done: set[str] = set()
        self.tasks_run = self.retried = 0

    def event(self, what: str, book: BookRun, edition: str | None) -> None:
        failed = sum(1 for b in self.books if not b.ok)
        self.settings.on_event(Progress(what, book.name, edition, len(self.done), len(self.books), failed))

    def finish(self, book: BookRun) -> None:
        if book.name not in self.done:
            self.done.add(book.name)
            book.finish(time.perf_counter() - self.started)
            self.event("book", book, None)

    def go(self, engine: Engine, spec: StoreSpec | None) -> None:
        # Imported here: a no-op build loads no writer (nor WeasyPrint, nor Dask).
        from bookforge.build.orchestrate import source_date
        from bookforge.catalogue.pack import pack_book
        from bookforge.catalogue.tasks import EditionMade, EditionTask, make_edition
        from bookforge.render.rendition import CHUNK_SIZE

        modified = source_date()
        running: dict[object, _Running] = {}
        waiting: dict[tuple[str, str], BookRun] = {}
        """Ebooks whose page list's print edition is being made, by (book, ebook edition)."""
        shared: dict[str, object] = {}

        queue: list[tuple[BookRun, str, object, int]] = []
        """Tasks to send, the longest first; at most WINDOW per worker are out at once, so that the books' files
        are read and held here only while their editions are being made."""
        packs: dict[str, BookPack] = {}

        def submit(book: BookRun, name: str, page_starts=None, attempts: int = 1) -> None:
            queue.append((book, name, page_starts, attempts))
            queue.sort(key=lambda item: -item[0].expected_pages(item[1]))

        def send() -> None:
            while queue and len(running) < WINDOW * engine.workers:
                book, name, page_starts, attempts = queue.pop(0)
                if book.name not in packs:
                    packs[book.name] = pack_book(book.project, self.catalogue.house)
                    shared[book.name] = engine.share(packs[book.name])
                task = EditionTask(book.name, name, book.own[name], self.epoch, modified, book.page_hint(name),
                                   page_starts, spec, engine.workers if engine.spreads_chunks else 1,
                                   self.settings.chunk_size or CHUNK_SIZE)
                future = engine.submit(make_edition, shared[book.name], task, priority=book.expected_pages(name))
                running[future] = _Running(book, name, task, attempts)
                self.event("start", book, name)

        def ready(book: BookRun, name: str) -> None:
            """Send `name`, or hold it until its page list's print edition is made."""
            source = book.project.page_list_sources.get(name)
            if source is not None and source in book.todo:
                waiting[(book.name, name)] = book
            else:
                submit(book, name, book.page_starts(source) if source is not None else None)

        def settled(book: BookRun, name: str, made: EditionMade | None) -> None:
            """`name` is made (or failed): send the ebooks that wait for its pages; a finished book is done."""
            for key in [key for key, b in waiting.items() if b is book]:
                dependent = key[1]
                if book.project.page_list_sources.get(dependent) != name:
                    continue
                del waiting[key]
                if made is not None:
                    submit(book, dependent, made.page_starts)
                else:
                    book.problems.append(Diagnostic("page-list-source", f"edition `{dependent}` was not built: its "
                                                    f"page list is `{name}`'s, which failed"))
                    self.event("failed", book, dependent)
            if not any(r.book is book for r in running.values()) and not any(b is book for b in waiting.values()) \
                    and not any(q[0] is book for q in queue):
                shared.pop(book.name, None)
                packs.pop(book.name, None)
                self.finish(book)

        for book in self.books:
            for name in book.todo if book.ok else ():
                ready(book, name)
        send()
        while running or queue:
            for future in engine.wait(running, timeout=0.5):
                item = running.pop(future)
                book, name, made = item.book, item.edition, None
                try:
                    made = future.result()
                except BookforgeError as exc:
                    book.fail(exc.diagnostics, self.catalogue)
                    self.event("failed", book, name)
                except Exception as exc:  # noqa: BLE001 - a lost worker, or a bug: this book fails, not the others
                    if engine.lost(future, exc) and item.attempts < ATTEMPTS:
                        self.retried += 1
                        shared[book.name] = engine.share(packs[book.name])
                        submit(book, name, item.task.page_starts, item.attempts + 1)
                        self.event("retry", book, name)
                        continue
                    book.problems.append(_failure(name, exc))
                    self.event("failed", book, name)
                else:
                    self.tasks_run += 1
                    try:
                        book.accept(made, self.store, self.catalogue)
                    except OSError as exc:
                        book.write_failure(exc)
                    self.event("built", book, name)
                settled(book, name, made)
            send()


def _failure(edition: str, exc: BaseException) -> Diagnostic:
    """A task that failed not from the book's content: a worker that died again and again, or a bug."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return Diagnostic("task-failed", f"edition `{edition}` could not be built: {text}",
                      hint="if this repeats, it is a bug in bookforge: please report it with this message")
