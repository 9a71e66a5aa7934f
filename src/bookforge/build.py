"""The orchestrator: which editions need building, building them (in parallel), and the build's report."""

from __future__ import annotations

import errno
import fcntl
import json
import multiprocessing
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import pagemap
from .cache import CACHE_DIR, CHUNKS_DIR, BuildState, FragmentStore, Record, edition_inputs, file_sha256
from .chunks import ChunkCounts
from .epub import write_epub
from .errors import BookforgeError, Diagnostic, Location, did_you_mean
from .layout import Layout, load_layout
from .load import load_book
from .model import Book, edition_parts, reading_text
from .output import write_atomically
from .pdf import PdfResult, write_pdf
from .render import Rendition, render
from .trim import estimate_pages, gutter_for

BUILD_DIR = "build"
PAGE_MAPS = "pagemaps"
SLUG_MAX = 80
EBOOK_FORMATS = {"epub": "epub", "kepub": "epub"}
"""Edition formats written as EPUB, and the layout format each needs."""
EXTENSIONS = {"kepub": "kepub.epub"}
REPORT_FILE = "report.json"
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class EditionResult:
    name: str
    format: str
    path: Path
    size: int
    pages: int | None
    """Printed pages (PDF) or None."""
    documents: int
    """Parts of the book: EPUB content documents, or the parts a PDF holds."""
    words: int
    seconds: float
    rebuilt: bool
    """False when the last build's output was still good and was kept."""
    warnings: tuple[Diagnostic, ...] = ()
    rendered_parts: tuple[str, ...] = ()
    """Parts whose templates were rendered (the rest came from the fragment cache)."""
    cover: Path | None = None
    """The cover wrap (PDF editions)."""
    chunks: ChunkCounts | None = None
    """A PDF laid out in chunks: how many were laid out (the others were the last build's)."""


@dataclass(frozen=True)
class BuildReport:
    editions: tuple[EditionResult, ...]
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[EditionResult]:
        return iter(self.editions)

    def __len__(self) -> int:
        return len(self.editions)

    def to_json(self, output: Path) -> str:
        def edition(result: EditionResult) -> dict:
            data = asdict(result)
            data["path"] = result.path.relative_to(output).as_posix()
            data["cover"] = result.cover.relative_to(output).as_posix() if result.cover else None
            data["warnings"] = [str(w) for w in result.warnings]
            data["seconds"] = round(result.seconds, 3)
            return data

        return json.dumps({"seconds": round(self.seconds, 3), "notes": list(self.notes),
                           "editions": [edition(r) for r in self.editions]}, indent=2, ensure_ascii=False) + "\n"


Event = Callable[[str, str], None]
"""on_event(what, edition): what is "start", "done" or "reused"."""


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


def build(root: Path, editions: tuple[str, ...] | list[str] = (), output: Path | None = None, *, jobs: int = 1,
          strict: bool = False, force: bool = False, on_event: Event = lambda what, name: None) -> BuildReport:
    """Build the named editions (all when none are named) into `output` (default: the project's build/).

    An edition whose inputs have not changed since the last build, and whose output is still there, is kept.
    """
    started = time.perf_counter()
    root = root.resolve()
    output = (output or root / BUILD_DIR).resolve()
    book = load_book(root)
    names = select_editions(book, editions)
    modified = source_date()
    layouts = {name: edition_layout(book, name) for name in names}
    sources = pagemap.page_list_sources(book)
    with _lock(output):
        state = BuildState(output)
        # Not the clock: without SOURCE_DATE_EPOCH an unchanged book keeps its output and that output's date.
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        inputs = {name: edition_inputs(book, name, layouts[name], epoch) for name in names}
        for name in set(names) & set(sources):  # an ebook with a print page list changes with that print edition
            source_layout = layouts.get(sources[name]) or edition_layout(book, sources[name])
            inputs[name] += ":" + edition_inputs(book, sources[name], source_layout, epoch)
        results: dict[str, EditionResult] = {}
        for name in names:
            record = None if force else state.reusable(name, inputs[name])
            if record is not None:
                results[name] = _reused(name, book, output, record)
                on_event("reused", name)
        todo = [name for name in names if name not in results]
        hints = {name: state.records[name].pages for name in todo if name in state.records}
        problems: list[Diagnostic] = []
        # Ebooks that carry a print edition's page list come after that edition, whose page map they read.
        depends = {name: source for name, source in sources.items() if name in todo and source in todo}
        expected = {name: hints.get(name) or _expected_pages(book, name, layouts[name]) for name in todo}
        for outcome in _build_all(root, book, todo, output, modified, jobs, strict, hints, expected, depends,
                                  on_event):
            if isinstance(outcome, BookforgeError):
                problems.extend(outcome.diagnostics)
                continue
            results[outcome.name] = outcome
            state.records[outcome.name] = _record(outcome, output, inputs[outcome.name])
        state.save()
        if problems:
            raise PartialBuildError(problems, tuple(name for name in names if name in results))
        report = BuildReport(tuple(results[name] for name in names), time.perf_counter() - started,
                             tuple(note for note in (state.note,) if note))
        write_atomically(output / REPORT_FILE, report.to_json(output).encode())
    return report


def _build_all(root: Path, book: Book, names: list[str], output: Path, modified: datetime, jobs: int, strict: bool,
               hints: dict[str, int | None], expected: dict[str, int], depends: dict[str, str],
               on_event: Event) -> Iterator[EditionResult | BookforgeError]:
    """Editions in dependency order, the longest first, at most `jobs` at a time; yields each result or problems.

    Longest first, because the build takes as long as its slowest worker; an ebook that reads a print edition's page
    map starts as soon as that edition is done.
    """
    waiting = sorted(names, key=lambda name: -expected[name])
    finished: set[str] = set()
    parallel = jobs > 1 and len(names) > 1
    # With one print edition to lay out (the others are ebooks, quick), its chunks may use the cores.
    chunk_workers = jobs if sum(book.editions[name].format == "pdf" for name in names) == 1 else 1
    # "spawn": the preview server has threads, and a forked child of a threaded process can deadlock.
    with (ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=multiprocessing.get_context("spawn"))
          if parallel else _InlineExecutor()) as pool:
        running: dict[Future, str] = {}
        while waiting or running:
            ready = [name for name in waiting if depends.get(name) not in waiting and depends.get(name) not in
                     running.values()]
            for name in ready[: max(1, jobs) - len(running)]:
                waiting.remove(name)
                on_event("start", name)
                if parallel:
                    future = pool.submit(_build_in_worker, str(root), name, str(output), modified, strict,
                                         hints.get(name), chunk_workers)
                else:
                    future = pool.submit(build_edition, book, name, output, modified, strict=strict,
                                         page_hint=hints.get(name), workers=chunk_workers)
                running[future] = name
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
                finished.add(name)
                try:
                    result = future.result()
                except BookforgeError as exc:
                    yield exc
                    continue
                on_event("done", name)
                yield result


class _InlineExecutor(Executor):
    """Runs each job as it is submitted, in this process: the serial build, with the same scheduling."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BookforgeError as exc:
            future.set_exception(exc)
        return future


def _expected_pages(book: Book, name: str, layout: Layout) -> int:
    """Roughly how long an edition takes: its estimated pages (an EPUB is quick)."""
    if book.editions[name].format != "pdf":
        return 0
    return _estimated_pages(book, name, layout)


class PartialBuildError(BookforgeError):
    """Some editions had problems; `built` names those that were written all the same."""

    def __init__(self, diagnostics, built: tuple[str, ...] = ()):
        super().__init__(diagnostics)
        self.built = built

    def __reduce__(self):
        return (type(self), (self.diagnostics, self.built))


def _build_in_worker(root: str, name: str, output: str, modified: datetime, strict: bool,
                     page_hint: int | None, chunk_workers: int) -> EditionResult:
    return build_edition(load_book(Path(root)), name, Path(output), modified, strict=strict, page_hint=page_hint,
                         workers=chunk_workers)


def edition_layout(book: Book, name: str) -> Layout:
    edition = book.editions[name]
    layout = load_layout(Path(book.root), edition.layout, edition.location_of("layout"))
    if layout.format != EBOOK_FORMATS.get(edition.format, edition.format):
        raise BookforgeError([Diagnostic(
            "layout-format", f"edition `{name}` is `{edition.format}` but layout `{layout.name}` makes "
            f"`{layout.format or 'nothing'}`", edition.location_of("format"),
            "choose a layout that extends `ebook` for EPUB editions and `print` for PDF editions")])
    return layout


def build_edition(book: Book, name: str, output: Path, modified: datetime, *, strict: bool = False,
                  page_hint: int | None = None, workers: int = 1) -> EditionResult:
    """Build one edition; a print edition's chunks may be laid out in `workers` processes."""
    started = time.perf_counter()
    edition = book.editions[name]
    layout = edition_layout(book, name)
    fragments = FragmentStore(output / CACHE_DIR / "fragments")
    if edition.format in EBOOK_FORMATS:
        rendition = render(book, name, layout, fragments=fragments)
        starts = print_page_starts(book, edition.page_list_from, output, modified) if edition.page_list_from else None
        data = write_epub(rendition, modified, page_starts=starts, kobo=edition.format == "kepub", covers=fragments)
        warnings, pages, rendered, chunks = (), None, rendition.rendered_parts, None
    else:
        mapped = name in pagemap.page_list_sources(book).values()
        result, rendition, rendered = lay_out_print(book, name, layout, modified, fragments,
                                                    chunk_store(output, name), page_hint, mapped, workers)
        data, warnings, pages, chunks = result.data, result.warnings, result.pages, result.chunks
        if mapped:
            _store_page_starts(book, name, layout, output, result.page_starts)
    failing = [w for w in warnings if w.severity == "error" or strict]
    if failing:
        raise BookforgeError(failing)
    # The cover wrap, sized from this interior's real page count; made before anything is written.
    cover_data = cover_pdf(book, name, layout, pages, modified) if pages is not None else None
    slug = file_slug(rendition.title)
    path = output / name / f"{slug}.{EXTENSIONS.get(edition.format, edition.format)}"
    write_atomically(path, data)
    cover = output / name / f"{slug}-cover.pdf" if cover_data is not None else None
    if cover is not None:
        write_atomically(cover, cover_data)
    parts = edition_parts(book, name)
    return EditionResult(name=name, format=edition.format, path=path, size=len(data), pages=pages,
                         documents=len(parts), words=word_count(book, name), seconds=time.perf_counter() - started,
                         rebuilt=True, warnings=warnings, rendered_parts=rendered, cover=cover, chunks=chunks)


def lay_out_print(book: Book, name: str, layout: Layout, modified: datetime, fragments: MutableMapping[str, str],
                  chunks: MutableMapping[str, str], page_hint: int | None, map_pages: bool = False,
                  workers: int = 1) -> tuple[PdfResult, Rendition, tuple[str, ...]]:
    """Lay out; when the gutter is `auto` and the page count lands in another band, lay out again.

    The last build's page count, or else an estimate from the text, picks the band for the first layout, which is
    then usually the only one. Returns the PDF, the rendition it was made from, and the parts rendered on the way.
    """
    counted = page_hint or _estimated_pages(book, name, layout)
    rendition = render(book, name, layout, page_count=counted, fragments=fragments)
    rendered = rendition.rendered_parts
    result = write_pdf(rendition, modified, map_pages=map_pages, chunk_store=chunks, chunk_workers=workers)
    if layout.settings["margins"]["inside"] != "auto":
        return result, rendition, rendered
    for _ in range(3):  # a wider gutter adds pages, which can move the count into the next band once more
        if gutter_for(result.pages) == gutter_for(counted):
            break
        counted = result.pages
        rendition = render(book, name, layout, page_count=counted, fragments=fragments)
        result = write_pdf(rendition, modified, map_pages=map_pages, chunk_store=chunks, chunk_workers=workers)
    return result, rendition, rendered


def chunk_store(output: Path, name: str) -> FragmentStore:
    """Where print edition `name`'s laid-out chunks are kept between builds."""
    return FragmentStore(output / CACHE_DIR / CHUNKS_DIR / name, suffix=".json")


def print_page_starts(book: Book, name: str, output: Path, modified: datetime) -> tuple[pagemap.PageStart, ...]:
    """Where each page of print edition `name` starts: from its last build when that is current, else laid out now."""
    layout = edition_layout(book, name)
    key = edition_inputs(book, name, layout, os.environ.get("SOURCE_DATE_EPOCH", ""))
    starts = pagemap.load(output / CACHE_DIR / PAGE_MAPS / f"{name}.json", key)
    if starts is None:
        fragments = FragmentStore(output / CACHE_DIR / "fragments")
        result, _, _ = lay_out_print(book, name, layout, modified, fragments, chunk_store(output, name), None,
                                     map_pages=True)
        starts = _store_page_starts(book, name, layout, output, result.page_starts)
    return starts


def _store_page_starts(book: Book, name: str, layout: Layout, output: Path, starts: tuple) -> tuple:
    key = edition_inputs(book, name, layout, os.environ.get("SOURCE_DATE_EPOCH", ""))
    write_atomically(output / CACHE_DIR / PAGE_MAPS / f"{name}.json", pagemap.dump(starts, key))
    return starts


def cover_pdf(book: Book, name: str, layout: Layout, pages: int, modified: datetime) -> bytes:
    """The print cover wrap for an interior of `pages` pages; its problems fail the build."""
    from .cover import write_cover

    result, _ = write_cover(book, name, layout, pages, modified)
    errors = [w for w in result.warnings if w.severity == "error"]
    if errors:
        raise BookforgeError(errors)
    return result.data


def _estimated_pages(book: Book, name: str, layout: Layout) -> int:
    chapters = [part.chapter for part in edition_parts(book, name) if part.chapter is not None]
    entries = [entry for chapter in chapters for entry in chapter.entries]
    texts = [chapter.introduction or "" for chapter in chapters]
    texts += [text for entry in entries for text in reading_text(entry)]
    characters = sum(len(text) for text in texts) + sum(len(chapter.title) for chapter in chapters)
    paragraphs = sum(text.count("\n\n") + 1 for text in texts if text)
    return estimate_pages(layout.settings, characters, paragraphs, len(entries), len(chapters))


def word_count(book: Book, name: str) -> int:
    """Words of the manuscript text in one edition (titles, introductions and every entry field)."""
    words = 0
    for part in edition_parts(book, name):
        if part.chapter is None:
            continue
        texts = [part.chapter.title, part.chapter.introduction or ""]
        texts += [text for entry in part.chapter.entries for text in reading_text(entry)]
        words += sum(len(re.findall(r"\w+(?:['’]\w+)*", text)) for text in texts)
    return words


def file_slug(title: str) -> str:
    """`Café Stories` -> `cafe-stories`: output file names that every system and store accepts."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "book"
    # A file name has at most 255 bytes: a very long title keeps its first words (whole ones).
    if len(slug) <= SLUG_MAX:
        return slug
    cut = slug[:SLUG_MAX + 1]
    return cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX]


def _reused(name: str, book: Book, output: Path, record: Record) -> EditionResult:
    return EditionResult(name=name, format=book.editions[name].format, path=output / record.output,
                         size=record.size, pages=record.pages, documents=record.documents, words=record.words,
                         seconds=0.0, rebuilt=False, cover=output / record.cover if record.cover else None)


def _record(result: EditionResult, output: Path, inputs: str) -> Record:
    return Record(inputs=inputs, output=result.path.relative_to(output).as_posix(),
                  sha256=file_sha256(result.path) or "", size=result.size, pages=result.pages,
                  documents=result.documents, words=result.words,
                  cover=result.cover.relative_to(output).as_posix() if result.cover else None)


# write_atomically's temporary files: `.NAME.XXXXXXXX.tmp`.
_TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def remove_stale_temporaries(output: Path) -> None:
    """Temporary files left by a build that was killed; called with the lock held, so none is in use."""
    cache = output / CACHE_DIR
    folders = [output, *(p for p in output.iterdir() if p.is_dir() and not p.is_symlink())]
    folders += [p for p in cache.rglob("*") if p.is_dir() and not p.is_symlink()] if cache.is_dir() else []
    for folder in folders:
        for path in folder.glob(".*.tmp"):
            if _TEMPORARY.match(path.name) and path.is_file():
                path.unlink(missing_ok=True)


def file_system_problem(exc: OSError, output: Path) -> Diagnostic:
    """An OSError while building (a read-only build/, a full disk) in the author's words, not a traceback."""
    where = Location(str(exc.filename or output))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Diagnostic("disk-full", f"the disk is full: {exc.strerror}", where,
                          "free some space, or write elsewhere with `-o DIR`; the last build's files were kept")
    if exc.filename and not Path(exc.filename).resolve().is_relative_to(output):
        return Diagnostic("cannot-read", f"cannot read this file: {exc.strerror or exc}", where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Diagnostic("cannot-write", f"bookforge may not write here: {exc.strerror}", where,
                          "make the folder writable, or write elsewhere with `-o DIR`")
    return Diagnostic("cannot-write", f"writing the outputs failed: {exc.strerror or exc}", where,
                      "the last build's files were kept")


@contextmanager
def _lock(output: Path) -> Iterator[None]:
    """One build at a time per output folder: a second one is told, not allowed to interleave its files."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        handle = open(output / LOCK_FILE, "w")
    except OSError as exc:
        raise BookforgeError([file_system_problem(exc, output)]) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BookforgeError([Diagnostic("build-running", f"another bookforge build is writing to {output}",
                                             hint="wait for it to finish, then build again")]) from None
        try:
            remove_stale_temporaries(output)
            yield
        except OSError as exc:  # everything written happens here, in this process or in a worker
            raise BookforgeError([file_system_problem(exc, output)]) from None
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
