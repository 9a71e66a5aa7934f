"""The build, as a straight line: load the project, keep what is current, make the rest through the writers (in
parallel), write the report."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bookforge.build import uptodate
from bookforge.build.cache import (
    COVERS_DIR,
    FONTS_DIR,
    FRAGMENTS_DIR,
    BuildState,
    Cache,
    FragmentStore,
    Record,
    edition_inputs,
    shared_store,
)
from bookforge.build.edition import build_edition
from bookforge.build.lock import build_lock
from bookforge.build.output import write_atomically
from bookforge.build.report import REPORT_FILE, BuildReport, EditionResult
from bookforge.build.writers import estimated_pages
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.files import reads_logged
from bookforge.layout.house import house_layouts
from bookforge.own_files import not_followed
from bookforge.project import Project, load_project
from bookforge.render.rendition import CHUNK_SIZE
from bookforge.stores import tool_fingerprint
from bookforge.workers import Workers, check

BUILD_DIR = "build"
CANCEL_POLL_SECONDS = 0.2
FRAGMENTS_LIMIT = 256 * 1024 * 1024
"""Bytes of rendered parts build/.cache keeps (a long book's every part in every edition is ~10 MB): past it, a
build removes the least recently used."""

Event = Callable[[str, str], None]
"""on_event(what, edition): what is "start", "done" or "reused"."""


def build(root: Path | Project, editions: tuple[str, ...] | list[str] = (), output: Path | None = None, *,
          jobs: int = 1, strict: bool = False, force: bool = False, on_event: Event = lambda what, name: None,
          chunk_size: int = CHUNK_SIZE, cancel: threading.Event | None = None) -> BuildReport:
    """Build the named editions (all when none are named) into `output` (default: the project's build/).

    An edition whose inputs have not changed since the last build, and whose output is still there, is kept. With
    `force`, nothing the cache held is read for the editions named: they are made from the manuscript alone. A
    print edition is laid out in chunks of `chunk_size` characters of HTML. Setting `cancel` (from another thread)
    stops the build soon after with workers.Cancelled; however the build ends, no process it started is left.
    """
    started = time.perf_counter()
    reads: dict[str, str] | None = None  # what the load read, when this build loads the project
    run = secrets.token_hex(16)  # names this build's entries in the caches (see Cache)
    if isinstance(root, Project):
        project = root
    else:
        with reads_logged() as reads:
            project = load_project(root, _fonts_read(force, run))
    if output is None and (project.root / BUILD_DIR).is_symlink():
        raise BookforgeError([not_followed(project.root / BUILD_DIR)])
    output = (output or project.root / BUILD_DIR).resolve()
    names = project.select(editions)
    modified = source_date()
    with build_lock(output, tuple(project.editions)):
        cache = Cache(output, run, fresh=force)
        state = BuildState(cache)
        inputs = _inputs(project, names)
        results: dict[str, EditionResult] = {}
        problems: list[Diagnostic] = []
        kept: list[str] = []
        for name in names:
            record = None if force else state.reusable(name, inputs[name])
            if record is None:
                continue
            kept.append(name)
            on_event("reused", name)
            # The warnings of the build that made it stand as long as the output does: --strict fails on them.
            if strict and record.warnings:
                problems.extend(warning.diagnostic() for warning in record.warnings)
            else:
                results[name] = record.result(name, project.editions[name].format, output)
        todo = [name for name in names if name not in kept]
        hints = {} if force else {name: state.records[name].pages for name in todo if name in state.records}
        settings = _Settings(jobs, strict, chunk_size, cancel)
        with contextlib.closing(_build_all(project, todo, output, modified, settings, hints, on_event,
                                           cache)) as outcomes:
            for outcome in outcomes:
                if isinstance(outcome, BookforgeError):
                    problems.extend(outcome.diagnostics)
                    continue
                results[outcome.name] = outcome
                state.records[outcome.name] = Record.of(outcome, output, inputs[outcome.name])
        state.save()
        cache.store(FRAGMENTS_DIR).prune(FRAGMENTS_LIMIT)
        shared_store(COVERS_DIR, ".txt", run).prune()
        if problems:
            raise PartialBuildError(problems, tuple(name for name in names if name in results))
        report = BuildReport(tuple(results[name] for name in names), time.perf_counter() - started,
                             tuple(note for note in (state.note,) if note))
        write_atomically(output / REPORT_FILE, report.to_json(output).encode(), root=output)
        remote = any(src.startswith(("http://", "https://")) for src in project.book.images)
        if reads is not None and not remote:  # a remote image may change at its address: no no-op record
            uptodate.save(cache, project.root.resolve(), output, tuple(editions), reads,
                          house_layouts(project.root.resolve()), tool_fingerprint(),
                          {name: (project.editions[name].format, state.records[name].model_dump(mode="json"))
                           for name in names})
    return report


def _fonts_read(fresh: bool = False, run: str | None = None) -> FragmentStore:
    """What font files earlier loads found readable map (layout/chain.py), in the user's shared store: a press's
    books share their faces."""
    return shared_store(FONTS_DIR, ".txt", run, fresh)


def source_date() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), otherwise now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except ValueError:
            raise BookforgeError([Diagnostic("bad-environment", f"SOURCE_DATE_EPOCH is not a number: `{epoch}`",
                                             hint="set it to seconds since 1970, e.g. `git log -1 --format=%ct`")])
    return datetime.now(UTC).replace(microsecond=0)


def _inputs(project: Project, names: list[str]) -> dict[str, str]:
    """A hash of what each edition is made from; an ebook with a print page list changes with that print edition."""
    # Not the clock: without SOURCE_DATE_EPOCH an unchanged book keeps its output and that output's date.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    inputs = {name: edition_inputs(project.book, name, project.layouts[name], epoch) for name in names}
    for name in names:
        source = project.page_list_sources.get(name)
        if source is not None:
            inputs[name] += ":" + edition_inputs(project.book, source, project.layouts[source], epoch)
    return inputs


@dataclass(frozen=True)
class _Settings:
    """How to build: in `jobs` processes, `strict`, in chunks of `chunk_size`, stopped by `cancel`."""

    jobs: int
    strict: bool
    chunk_size: int
    cancel: threading.Event | None


def _build_all(project: Project, names: list[str], output: Path, modified: datetime, settings: _Settings,
               hints: dict[str, int | None], on_event: Event, cache: Cache) -> Iterator[EditionResult | BookforgeError]:
    """Editions in dependency order, the longest first, at most `jobs` at a time; yields each result or problems.

    Longest first, because the build takes as long as its slowest worker; an ebook that reads a print edition's page
    map starts as soon as that edition is done. Whatever ends the build (an error, Ctrl-C, `cancel`), the editions
    still being made are stopped and their processes (with theirs) are gone when this returns.
    """
    jobs, cancel = settings.jobs, settings.cancel
    expected = {name: (hints.get(name) or estimated_pages(project.book, name, project.layouts[name].settings))
                if project.format(name).paged else 0 for name in names}
    depends = {name: source for name, source in project.page_list_sources.items() if name in names and source in names}
    waiting = sorted(names, key=lambda name: -expected[name])
    parallel = jobs > 1 and len(names) > 1
    # With one print edition to lay out (the others are ebooks, quick), its chunks may use the cores; with none, an
    # ebook's cover may be drawn beside it.
    chunk_workers = jobs if sum(project.format(name).paged for name in names) <= 1 else 1
    with Workers(min(jobs, len(names))) if parallel else _InlineExecutor() as pool:
        running: dict[Future, str] = {}
        while waiting or running:
            check(cancel)
            ready = [name for name in waiting if depends.get(name) not in waiting and depends.get(name) not in
                     running.values()]
            for name in ready[: max(1, jobs) - len(running)]:
                waiting.remove(name)
                on_event("start", name)
                if parallel:
                    future = pool.submit(_build_in_worker, str(project.root), name, str(output), modified,
                                         settings.strict, hints.get(name), chunk_workers, settings.chunk_size,
                                         cache.run, cache.fresh)
                else:
                    future = pool.submit(build_edition, project, name, output, modified, strict=settings.strict,
                                         page_hint=hints.get(name), workers=chunk_workers,
                                         chunk_size=settings.chunk_size, cancel=cancel, run=cache.run,
                                         fresh=cache.fresh)
                running[future] = name
            # A cancelled build is noticed within CANCEL_POLL_SECONDS (the editions' processes cannot see `cancel`).
            done, _ = wait(running, timeout=CANCEL_POLL_SECONDS if cancel is not None else None,
                           return_when=FIRST_COMPLETED)
            for future in done:
                name = running.pop(future)
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


class PartialBuildError(BookforgeError):
    """Some editions had problems; `built` names those that were written all the same."""

    def __init__(self, diagnostics, built: tuple[str, ...] = ()):
        super().__init__(diagnostics)
        self.built = built

    def __reduce__(self):
        return (type(self), (self.diagnostics, self.built))


def _build_in_worker(root: str, name: str, output: str, modified: datetime, strict: bool,
                     page_hint: int | None, chunk_workers: int, chunk_size: int, run: str,
                     fresh: bool) -> EditionResult:
    return build_edition(load_project(Path(root), _fonts_read(fresh, run)), name, Path(output), modified,
                         strict=strict, page_hint=page_hint, workers=chunk_workers, chunk_size=chunk_size, run=run,
                         fresh=fresh)
