"""`bookforge catalogue check`: the catalogue built, then every output judged by the validators (EPUBCheck, Ace,
bookforge's accessibility checks, the PDF preflight) as tasks on the same workers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bookforge.catalogue.build import Settings, build_catalogue, write_report
from bookforge.catalogue.engines import Engine, start_engine
from bookforge.catalogue.file import Catalogue
from bookforge.catalogue.report import BookOutcome, CatalogueReport
from bookforge.catalogue.tasks import CheckTask, run_checks
from bookforge.check import CheckResult, build_warnings
from bookforge.project import load_project


def check_catalogue(catalogue: Catalogue, settings: Settings | None = None) -> CatalogueReport:
    settings = settings or Settings()
    engine: Engine | None = None

    def engines() -> Engine:
        nonlocal engine
        if engine is None:
            engine = start_engine(settings.engine, settings.jobs, settings.scheduler, settings.dashboard)
        return engine

    try:
        report = build_catalogue(catalogue, settings, engines)
        tasks = [task for book in report.books if book.ok for task in _tasks(book)]
        found = {book.name: [c for result in book.editions for c in build_warnings(result)] for book in report.books}
        if tasks:
            for task, results in _run(engines(), tasks):
                found[task.book] += results
    finally:
        if engine is not None:
            engine.close()
    books = tuple(dataclasses.replace(book, checks=tuple(found[book.name])) for book in report.books)
    report = dataclasses.replace(report, books=books)
    write_report(report, catalogue, settings)
    return report


def _tasks(book: BookOutcome) -> list[CheckTask]:
    project = load_project(book.root)
    tasks = []
    for result in book.editions:
        paged = project.format(result.name).paged
        layout = project.layouts[result.name] if paged else None
        tasks.append(CheckTask(book.name, result.name, str(result.path), result.path.read_bytes(), paged, layout))
        if result.cover is not None:
            tasks.append(CheckTask(book.name, f"{result.name} (cover)", str(result.cover), result.cover.read_bytes(),
                                   True, layout))
    return tasks


def _run(engine: Engine, tasks: list[CheckTask]):
    """(task, its results) as they finish, a few per worker out at once (each carries its output's bytes); a task
    whose worker was lost is sent once more."""
    pending = [(task, 1) for task in reversed(tasks)]
    running: dict[object, tuple[CheckTask, int]] = {}
    while pending or running:
        while pending and len(running) < 2 * engine.workers:
            task, attempts = pending.pop()
            running[engine.submit(run_checks, task)] = (task, attempts)
        for future in engine.wait(running, timeout=0.5):
            task, attempts = running.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, or a validator that broke
                if engine.lost(future, exc) and attempts < 2:
                    pending.append((task, attempts + 1))
                    continue
                results = [CheckResult("check", task.edition, Path(task.file), (f"the check failed: {exc}",))]
            yield task, [dataclasses.replace(result, path=Path(task.file)) for result in results]
