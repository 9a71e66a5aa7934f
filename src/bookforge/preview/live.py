"""Live preview: every edition served from memory on localhost, rebuilt on save, open pages reloaded."""

from __future__ import annotations

import hashlib
import html
import io
import mimetypes
import os
import re
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from bookforge.build.writers import WRITERS, Job
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.formats import FORMATS
from bookforge.print.raster import page_images
from bookforge.project import Project, load_project
from bookforge.render.rendition import render
from bookforge.workers import Cancelled

WATCHED = ("manuscript", "layouts", "assets")
POLL_SECONDS = 0.25
PAGE_DPI = 144  # page images at 1.5 CSS pixels per pixel: sharp enough, and quick to make
XHTML = "application/xhtml+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"

# Each served page asks, over server-sent events, for the current key of what it shows, and reloads when the
# key differs from the one it was served with; so a change made before the page connected is not missed.
LIVE_JS = """(() => {
  const params = new URL(document.currentScript.src).searchParams;
  const events = new EventSource("/_preview/events?edition=" + encodeURIComponent(params.get("edition")));
  events.onmessage = (event) => {
    if (event.data !== params.get("key")) { events.close(); location.reload(); }
  };
})();
"""
CHROME_CSS = """
.bf-preview { font: 14px/1.4 system-ui, sans-serif; color: #444; background: #eeece6; display: flex; gap: 1em;
  justify-content: space-between; padding: 0.5em 1em; margin: 0 -1em; }
.bf-preview a { color: #245; }
nav.bf-preview:last-of-type { margin-top: 2em; }
body.bf-print { background: #dcdad3; margin: 0; }
body.bf-print .bf-preview { margin: 0; }
.bf-pages { display: grid; grid-template-columns: repeat(2, max-content); justify-content: center; row-gap: 24px;
  padding: 24px; }
.bf-pages img { display: block; max-width: 45vw; height: auto; background: white;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.3); }
.bf-pages img:first-child { grid-column: 2; }  /* page 1 is a recto, alone on the right */
.bf-problems { font: 14px/1.5 ui-monospace, monospace; white-space: pre-wrap; color: #900; }
body.bf-page { font: 15px/1.5 system-ui, sans-serif; max-width: 50em; margin: 0 auto; padding: 0 1em 2em; }
"""
# The reflowable ebook in a reading column, as a reading system would show it.
READER_CSS = CHROME_CSS + "\nbody { max-width: 36em; margin-left: auto; margin-right: auto; padding: 0 1em; }\n"
STATIC = {"/_preview/live.js": (LIVE_JS.encode(), "text/javascript; charset=utf-8"),
          "/_preview/chrome.css": (CHROME_CSS.encode(), "text/css; charset=utf-8"),
          "/_preview/reader.css": (READER_CSS.encode(), "text/css; charset=utf-8")}


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
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    location: str | None = None


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
        seen = self._sources()
        while not self._stop.wait(POLL_SECONDS):
            now = self._sources()
            if now != seen:
                seen = now
                with self._lock:
                    self._dirty = True
                    self._lock.notify_all()

    def _sources(self) -> dict[str, tuple[int, int]]:
        """Modification time and size of every file the book is made from (editors' hidden and backup files aside)."""
        found = {}
        for folder in WATCHED:
            for directory, subfolders, files in os.walk(self.root / folder):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                for name in files:
                    if name.startswith((".", "#")) or name.endswith(("~", ".swp")):
                        continue
                    try:
                        stat = os.stat(os.path.join(directory, name))
                    except OSError:
                        continue  # removed while we looked
                    found[os.path.join(directory, name)] = (stat.st_mtime_ns, stat.st_size)
        return found

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
            content = _with_reader_chrome(document.content, name, index, len(documents), before, after)
            files[document.href] = (content.encode("utf-8"), XHTML)
        return Built(files, documents[0].href if documents else "")

    def _make_print(self, project: Project, name: str) -> Built:
        """The print edition made as `bookforge build` makes it (gutter passes included), shown as pages."""
        job = Job(project, name, self._started, self._fragments, self._chunks.setdefault(name, {}),
                  page_hint=self._page_counts.get(name), cover_wrap=False, cancel=self._stop)
        made = WRITERS[project.editions[name].format].write(job)
        self._page_counts[name] = made.pages
        images = _page_images(made.data, PAGE_DPI)
        files = {f"page-{number:03d}.png": (png, "image/png") for number, (png, _, _) in enumerate(images, 1)}
        files["index.html"] = (_print_sheet(made.rendition.title, name, images).encode("utf-8"), HTML)
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
                return _problems_page(self._problems, name, self.key(name))
            if not name:
                return _index_page(self._editions, self.key(""))
            if name not in self._editions:
                return _message_page(404, "Not here", f"The book has no edition `{name}`.", "", self.key(""))
            if FORMATS[self._editions[name][0]].paged and name not in self._wanted:
                self._wanted.add(name)
                self._lock.notify_all()
            output = self._outputs.get(name)
            if output is None:
                return _message_page(200, "Laying out pages", f"Laying out the {name} edition; the pages appear "
                                     "here when they are ready.", name, self.key(name))
            if output.problems and page:
                return _problems_page(output.problems, name, self.key(name))
            if not rest:
                return Response(302, b"", location=f"/{quote(name)}/{quote(output.entry)}")
            if rest not in output.files:
                return _message_page(404, "Not here", f"The {name} edition has no `{rest}`.", name, self.key(name))
            body, content_type = output.files[rest]
            if page:
                body = _with_live_script(body.decode("utf-8"), name, self.key(name)).encode("utf-8")
            return Response(200, body, content_type)


class PreviewServer(ThreadingHTTPServer):
    """HTTP on 127.0.0.1 only; port 0 picks a free port (see `url`)."""

    daemon_threads = True

    def __init__(self, preview: Preview, port: int = 8000):
        self.preview = preview
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        # Only pages opened as localhost: another site cannot reach the book through DNS rebinding.
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost"):
            return self._send(Response(403, b"forbidden", "text/plain"))
        url = urlsplit(self.path)
        if url.path == "/_preview/events":
            return self._events(parse_qs(url.query).get("edition", [""])[0])
        self._send(self.server.preview.respond(unquote(url.path)))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        self.wfile.write(response.body)

    def _events(self, name: str) -> None:
        """Server-sent events: the page's current key now and after every change, until the preview stops."""
        preview = self.server.preview
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent, generation = None, preview.generation
        try:
            self.wfile.write(b"retry: 500\n\n")  # after a restart of the preview, reconnect quickly
            while not preview.stopped:
                key = preview.key(name)
                self.wfile.write(f"data: {key}\n\n".encode() if key != sent else b": still here\n\n")
                self.wfile.flush()
                sent = key
                generation = preview.wait(generation, timeout=10)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded

    def log_message(self, format: str, *args) -> None:
        pass  # quiet: the command line reports builds, not requests


# -- pages ----------------------------------------------------------------------------------------------------------


def _with_reader_chrome(content: str, name: str, index: int, total: int, before, after) -> str:
    """A rendered XHTML document with the preview's stylesheet and previous/next links above and below the text."""
    links = ['<a href="/">editions</a>']
    def link(document, rel: str, label: str) -> str:
        if document is None:
            return f"<span>{label}</span>"
        return (f'<a rel="{rel}" href="{html.escape(document.href)}" title="{html.escape(document.title)}">'
                f"{label}</a>")

    links += [link(before, "prev", "← previous"), f"<span>{html.escape(name)} · {index + 1} / {total}</span>",
              link(after, "next", "next →")]
    nav = f'<nav class="bf-preview" aria-label="preview">{"".join(links)}</nav>'
    content = content.replace("</head>", '<link rel="stylesheet" type="text/css" href="/_preview/reader.css"/>'
                              "\n</head>", 1)
    content = re.sub(r"<body\b[^>]*>", lambda match: match.group(0) + nav, content, count=1)
    head, tag, tail = content.rpartition("</body>")
    return head + nav + tag + tail if tag else content


def _with_live_script(content: str, name: str, key: str) -> str:
    src = html.escape(f"/_preview/live.js?edition={quote(name)}&key={key}")
    head, tag, tail = content.rpartition("</body>")
    script = f'<script src="{src}"></script>'
    return head + script + tag + tail if tag else content + script


def _document(title: str, body: str, name: str, key: str, body_class: str = "bf-page") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/_preview/chrome.css"/></head>\n<body class="{body_class}">\n{body}\n'
            + _with_live_script("</body></html>\n", name, key))


def _message_page(status: int, title: str, message: str, name: str, key: str) -> Response:
    body = f'<h1>{html.escape(title)}</h1>\n<p>{html.escape(message)}</p>\n<p><a href="/">All editions</a></p>'
    return Response(status, _document(f"{title} · bookforge preview", body, name, key).encode("utf-8"))


def _problems_page(problems: tuple[Diagnostic, ...], name: str, key: str) -> Response:
    errors = sum(1 for p in problems if p.severity == "error")
    lines = "\n".join(html.escape(str(problem)) for problem in problems)
    body = (f'<h1>{errors} problem{"s" if errors != 1 else ""} in the book</h1>\n'
            '<p>Fix the file and save it: this page shows the book again by itself.</p>\n'
            f'<pre class="bf-problems">{lines}</pre>')
    return Response(200, _document("Problems · bookforge preview", body, name, key).encode("utf-8"))


def _index_page(editions: Mapping[str, tuple[str, str]], key: str) -> Response:
    def kind(fmt: str) -> str:
        return "print, pages" if FORMATS[fmt].paged else "ebook, reflowable text"

    items = "\n".join(f'<li><a href="/{quote(name)}/">{html.escape(name)}</a> ({kind(fmt)}, layout '
                      f'<code>{html.escape(layout)}</code>)</li>' for name, (fmt, layout) in editions.items())
    body = f"<h1>bookforge preview</h1>\n<p>Editions of the book:</p>\n<ul>\n{items}\n</ul>"
    return Response(200, _document("bookforge preview", body, "", key).encode("utf-8"))


def _print_sheet(title: str, name: str, images: list[tuple[bytes, int, int]]) -> str:
    """The print edition's pages, as spreads: page 1 alone on the right, then 2-3, 4-5, ..."""
    scale = 96 / PAGE_DPI  # CSS pixels per image pixel: pages at their real size on a 96 dpi screen
    pages = "\n".join(f'<img src="page-{number:03d}.png" width="{round(width * scale)}" '
                      f'height="{round(height * scale)}" alt="page {number}"/>'
                      for number, (_, width, height) in enumerate(images, 1))
    nav = (f'<nav class="bf-preview" aria-label="preview"><a href="/">editions</a>'
           f"<span>{html.escape(name)} · {len(images)} pages</span></nav>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>{html.escape(title)} · {html.escape(name)}</title>"
            f'<link rel="stylesheet" href="/_preview/chrome.css"/></head>\n<body class="bf-print">\n{nav}\n'
            f'<main class="bf-pages">\n{pages}\n</main>\n</body></html>\n')


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
