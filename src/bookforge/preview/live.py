"""Live preview: every edition kept current in memory, rebuilt on save (the server is server.py, its pages pages.py)."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import watchfiles

from bookforge.build.writers import WRITERS, Job
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.formats import FORMATS
from bookforge.preview import pages
from bookforge.preview.pages import HTML, PAGE_DPI, STATIC, XHTML, Response
from bookforge.print.raster import page_images
from bookforge.project import Project, load_project
from bookforge.render.rendition import render
from bookforge.workers import Cancelled

WATCHED = ("manuscript", "layouts", "assets")


@dataclass(frozen=True)
class Output:
    """One edition as served: its files by path, the first page to open, and its problems (if the last build failed,
    `files` are those of the last good one)."""

    files: Mapping[str, tuple[bytes, str]]
    entry: str
    problems: tuple[Diagnostic, ...]
    digest: str
    stamp: int
    """The generation in which this content first appeared: part of the key that open pages compare."""


@dataclass(frozen=True)
class Built:
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    entry: str = ""
    problems: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()


class Preview:
    """The editions of a book project, kept current by a watcher and a builder thread; `respond` serves them."""

    def __init__(self, root: Path, editions: tuple[str, ...] = (),
                 on_built: Callable[[str, float, tuple[Diagnostic, ...]], None] = lambda name, seconds, found: None):
        self.root = root.resolve()
        self.names = editions
        self.on_built = on_built
        """Told of each build: the edition (`book` when loading failed), its seconds, its problems and warnings."""
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._generation = 0
        self._dirty = True
        self._problems: tuple[Diagnostic, ...] = ()  # the book itself failed to load
        self._problem_stamp = 0
        self._editions: dict[str, tuple[str, str]] = {}  # name -> (format, layout), from the last good load
        self._fragments: dict[str, str] = {}  # rendered parts by content hash: an edit re-renders only its part
        self._page_counts: dict[str, int] = {}  # picks the gutter band for the next layout of each print edition
        self._chunks: dict[str, dict[str, str]] = {}  # laid-out chunks of each print edition: an edit lays out its own
        self._started = datetime.now(timezone.utc).replace(microsecond=0)  # one date, or no chunk could be reused
        self._index_stamp = 0
        self._outputs: dict[str, Output] = {}
        self._wanted: set[str] = set()  # print editions someone opened: only those are laid out
        self._fresh: set[str] = set()  # editions built from the current sources
        self._threads = [threading.Thread(target=self._build_loop, name="preview-build", daemon=True),
                         threading.Thread(target=self._watch_loop, name="preview-watch", daemon=True)]

    def __enter__(self) -> Preview:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._stop.set()
            self._lock.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=2)  # a PDF being laid out stops at its next chunk; the thread is a daemon

    # -- building -------------------------------------------------------------------------------------------------

    def _watch_loop(self) -> None:
        """Marks the book dirty on every change to a file it is made from (watchfiles: inotify and its kin)."""
        for _ in watchfiles.watch(self.root, watch_filter=self._is_source, stop_event=self._stop, debounce=100,
                                  step=20, yield_on_timeout=False, raise_interrupt=False):
            with self._lock:
                self._dirty = True
                self._lock.notify_all()

    def _is_source(self, change: watchfiles.Change, path: str) -> bool:
        """A file of manuscript/, layouts/ or assets/ (editors' hidden, lock and backup files aside)."""
        parts = Path(path).relative_to(self.root).parts
        return (len(parts) > 1 and parts[0] in WATCHED and not any(part.startswith(".") for part in parts)
                and not parts[-1].startswith("#") and not parts[-1].endswith(("~", ".swp")))

    def _pending(self) -> list[str]:
        """Print editions someone opened that are not yet built from the current sources."""
        if self._problems:
            return []
        return [name for name, (fmt, _) in self._editions.items()
                if FORMATS[fmt].paged and name in self._wanted and name not in self._fresh]

    def _build_loop(self) -> None:
        project: Project | None = None
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._stop.is_set() or self._dirty or self._pending())
                if self._stop.is_set():
                    return
                dirty, self._dirty = self._dirty, False
                pending = self._pending()
            if dirty:
                project = self._reload()
                continue  # an edit made meanwhile goes before the slow print editions
            for name in pending[:1]:
                assert project is not None
                try:
                    self._publish({name: self._timed(project, name)})
                except Cancelled:  # closed while a print edition was laid out
                    return

    def _reload(self) -> Project | None:
        """Load the book and render its reflowable editions (fast); their pages and the index change together."""
        started = time.perf_counter()
        try:
            project = load_project(self.root)
            names = project.select(self.names)
        except BookforgeError as exc:
            self.on_built("book", time.perf_counter() - started, exc.diagnostics)
            self._publish({}, problems=exc.diagnostics)
            return None
        except Exception:
            problem = _bug()
            self.on_built("book", time.perf_counter() - started, (problem,))
            self._publish({}, problems=(problem,))
            return None
        editions = {name: (project.editions[name].format, project.editions[name].layout) for name in names}
        built = {name: self._timed(project, name) for name in names if not project.format(name).paged}
        self._publish(built, problems=(), editions=editions)
        return project

    def _timed(self, project: Project, name: str) -> Built:
        started = time.perf_counter()
        try:
            built = self._make(project, name)
        except Cancelled:
            raise
        except BookforgeError as exc:
            built = Built(problems=exc.diagnostics)
        except Exception:
            built = Built(problems=(_bug(),))
        self.on_built(name, time.perf_counter() - started, built.problems + built.warnings)
        return built

    def _make(self, project: Project, name: str) -> Built:
        if project.format(name).paged:
            return self._make_print(project, name)
        rendition = render(project.book, name, project.layouts[name], fragments=self._fragments)
        files = {path: (css.encode("utf-8"), "text/css; charset=utf-8") for path, css in rendition.stylesheets}
        files |= {path: (data, mimetypes.guess_type(path)[0] or "application/octet-stream")
                  for path, data in rendition.fonts.items()}
        files |= {path: (image.data, image.media_type) for path, image in rendition.images.items()}
        documents = rendition.documents
        for index, document in enumerate(documents):
            before = documents[index - 1] if index else None
            after = documents[index + 1] if index + 1 < len(documents) else None
            content = pages.with_reader_chrome(document.content, name, index, len(documents), before, after)
            files[document.href] = (content.encode("utf-8"), XHTML)
        return Built(files, documents[0].href if documents else "")

    def _make_print(self, project: Project, name: str) -> Built:
        """The print edition made as `bookforge build` makes it (gutter passes included), shown as pages."""
        job = Job(project, name, self._started, self._fragments, self._chunks.setdefault(name, {}),
                  covers=self._fragments, page_hint=self._page_counts.get(name), cover_wrap=False, cancel=self._stop)
        made = WRITERS[project.editions[name].format].write(job)
        self._page_counts[name] = made.pages
        images = _page_images(made.data, PAGE_DPI)
        files = {f"page-{number:03d}.png": (png, "image/png") for number, (png, _, _) in enumerate(images, 1)}
        files["index.html"] = (pages.print_sheet(made.rendition.title, name, images).encode("utf-8"), HTML)
        return Built(files, "index.html", warnings=made.warnings)

    def _publish(self, built: dict[str, Built], problems: tuple[Diagnostic, ...] | None = None,
                 editions: dict[str, tuple[str, str]] | None = None) -> None:
        with self._lock:
            for name, result in built.items():
                old = self._outputs.get(name)
                files, entry = (old.files, old.entry) if result.problems and old else (result.files, result.entry)
                digest = _digest(files, result.problems)
                if old is None or old.digest != digest:
                    self._generation += 1
                self._outputs[name] = Output(files, entry, result.problems, digest,
                                             old.stamp if old and old.digest == digest else self._generation)
            if problems is not None and problems != self._problems:
                self._generation += 1
                self._problems, self._problem_stamp = problems, self._generation
            if editions is not None:
                self._fresh = set(built)
                if editions != self._editions:
                    self._generation += 1
                    self._editions, self._index_stamp = editions, self._generation
            else:
                self._fresh |= set(built)
            self._lock.notify_all()

    # -- serving --------------------------------------------------------------------------------------------------

    def key(self, name: str) -> str:
        """What a page of edition `name` (the index when empty) shows now; open pages reload when it changes."""
        with self._lock:
            if self._problems:
                return f"p{self._problem_stamp}"
            if not name:
                return f"i{self._index_stamp}"
            output = self._outputs.get(name)
            return f"o{output.stamp}" if output else "none"

    def wait(self, generation: int, timeout: float) -> int:
        """Block until something changed after `generation` (or the preview stops, or time is up)."""
        with self._lock:
            self._lock.wait_for(lambda: self._generation != generation or self._stop.is_set(), timeout)
            return self._generation

    @property
    def generation(self) -> int:
        with self._lock:
            return self._generation

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def respond(self, path: str) -> Response:
        if path in STATIC:
            body, content_type = STATIC[path]
            return Response(200, body, content_type)
        name, _, rest = path.lstrip("/").partition("/")
        page = rest == "" or rest.endswith((".xhtml", ".html"))
        with self._lock:  # the content and the key it is served with must agree
            if self._problems and page:
                return pages.problems_page(self._problems, name, self.key(name))
            if not name:
                return pages.index_page(self._editions, self.key(""))
            if name not in self._editions:
                return pages.message_page(404, "Not here", f"The book has no edition `{name}`.", "", self.key(""))
            if FORMATS[self._editions[name][0]].paged and name not in self._wanted:
                self._wanted.add(name)
                self._lock.notify_all()
            output = self._outputs.get(name)
            if output is None:
                return pages.message_page(200, "Laying out pages", f"Laying out the {name} edition; the pages appear "
                                     "here when they are ready.", name, self.key(name))
            if output.problems and page:
                return pages.problems_page(output.problems, name, self.key(name))
            if not rest:
                return Response(302, b"", location=f"/{quote(name)}/{quote(output.entry)}")
            if rest not in output.files:
                return pages.message_page(404, "Not here", f"The {name} edition has no `{rest}`.", name, self.key(name))
            body, content_type = output.files[rest]
            if page:
                body = pages.with_live_script(body.decode("utf-8"), name, self.key(name)).encode("utf-8")
            return Response(200, body, content_type)


def _page_images(pdf: bytes, dpi: int) -> list[tuple[bytes, int, int]]:
    """Each page as (PNG, width, height), cut to its trim: the page the reader holds, without bleed or marks."""
    images = []
    for image in page_images(pdf, dpi=dpi):
        buffer = io.BytesIO()
        image.save(buffer, "PNG", compress_level=1)  # served once, from memory: speed over size
        images.append((buffer.getvalue(), image.width, image.height))
    return images


def _digest(files: Mapping[str, tuple[bytes, str]], problems: tuple[Diagnostic, ...]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256(files[path][0]).digest())
    for problem in problems:
        digest.update(str(problem).encode())
    return digest.hexdigest()


def _bug() -> Diagnostic:
    return Diagnostic("bookforge-bug", "bookforge failed; this is a bug in bookforge, not a mistake in your book",
                      hint=traceback.format_exc().rstrip())
