"""`bookforge catalogue build|check`: the command-line side of bookforge.catalogue (it prints and exits, as cli.py
does, whose `main` group it joins)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from bookforge.cli import EXIT_PROBLEMS, main

# -- bookforge catalogue --------------------------------------------------------------------------------------------

catalogue_option = click.option("-C", "--catalogue", "folder", type=click.Path(file_okay=False, path_type=Path),
                                default=Path("."), show_default=True, help="The folder holding catalogue.yaml.")


def catalogue_options(command):
    """The options `catalogue build` and `catalogue check` share."""
    options = [
        catalogue_option,
        click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="One folder for every book's outputs, by book (default: each book's build/)."),
        click.option("-j", "--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1,
                     show_default="the cores", help="Worker processes on this machine."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="Build on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786)."),
        click.option("--engine", type=click.Choice(["pool", "cluster"]), default=None,
                     help="On this machine: a process pool (the default) or a Dask LocalCluster."),
        click.option("--store", metavar="URL", default=None,
                     help="The shared store: a folder or an fsspec URL (s3://bucket/press); default: the "
                          "catalogue's `store:`, else build/.cache/store."),
        click.option("--force", is_flag=True, help="Build every edition again, even those that are current."),
        click.option("--dashboard", is_flag=True, help="Show the link to Dask's dashboard (needs bokeh)."),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems and the summary's last line."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@main.group()
def catalogue() -> None:
    """Build and check a press's whole catalogue: every edition of every book in catalogue.yaml.

    \b
    catalogue.yaml lists the book projects and, optionally, a folder of house layouts that the books' layouts
    are looked up in after their own (so `extends: print` reaches the house's print layout):
      books: [winter-tales, the-long-road]
      house: house
      store: s3://press-bucket/bookforge     (optional: outputs and parts shared by every machine)
    """


@catalogue.command("build")
@catalogue_options
def catalogue_build(**options) -> None:
    """Build every edition of every book, on this machine's cores or on a Dask cluster.

    Each book's outputs land where `bookforge build` in the book would put them, with the same bytes; what is
    current in the book's build/ or in the shared store is not built again. A book with problems fails alone,
    its problems listed with their files and lines. Writes build/catalogue-report.json. Exits 0 when every book
    was built, 1 when any failed (the others are built all the same).
    """
    from bookforge.catalogue.build import build_catalogue

    _run_catalogue(build_catalogue, options)


@catalogue.command("check")
@catalogue_options
def catalogue_check(**options) -> None:
    """Build the catalogue, then check every output (EPUBCheck, Ace, the PDF preflight) as tasks too.

    Prints one summary (per book and edition: pages, words, problems) and writes build/catalogue-report.json.
    Exits 1 when a book failed or a check found an error or a warning.
    """
    from bookforge.catalogue.check import check_catalogue

    _run_catalogue(check_catalogue, options, checks=True)


def _run_catalogue(run, options: dict, checks: bool = False) -> None:
    from bookforge.catalogue.build import Settings
    from bookforge.catalogue.engines import DEFAULT
    from bookforge.catalogue.file import load_catalogue

    loaded = load_catalogue(options["folder"])
    quiet = options["quiet"]

    def on_engine(engine) -> None:
        if not quiet:
            click.echo(f"building on {engine.name} ({engine.workers} workers)", err=True)
        if options["dashboard"]:
            click.echo(f"Dask dashboard: {engine.dashboard}" if engine.dashboard else
                       "no dashboard: it needs Dask (--engine cluster or --scheduler) and bokeh", err=True)

    with _catalogue_progress(quiet) as on_event:
        settings = Settings(output=options["output"], jobs=options["jobs"], engine=options["engine"] or DEFAULT,
                            scheduler=options["scheduler"], store=options["store"], force=options["force"],
                            dashboard=options["dashboard"], on_event=on_event, on_engine=on_engine)
        report = run(loaded, settings)
    _print_catalogue(report, quiet, checks)
    problems = len(report.failed) + (sum(1 for book in report.books for c in book.checks if c.errors or c.warnings)
                                     if checks else 0)
    if problems:
        click.get_current_context().exit(EXIT_PROBLEMS)


@contextlib.contextmanager
def _catalogue_progress(quiet: bool):
    """Books done of all, and failures so far: a live line on a terminal, a line per book otherwise."""
    if quiet:
        yield lambda progress: None
        return
    if not sys.stderr.isatty():
        def on_event(p) -> None:
            if p.what == "book":
                click.echo(f"[{p.books_done}/{p.books}] {p.book} done" + (f"; {p.failed} failed so far" if p.failed
                                                                          else ""), err=True)
            elif p.what == "retry":
                click.echo(f"{p.book}: {p.edition}: its worker was lost; sent again", err=True)
        yield on_event
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("books"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=None)

        def on_event(p) -> None:
            failed = f"[red]{p.failed} failed[/red] " if p.failed else ""
            doing = f"{p.what} {p.book} {p.edition or ''}".strip()
            bar.update(task, total=p.books, completed=p.books_done, description=f"{failed}{doing}")
        yield on_event


def _print_catalogue(report, quiet: bool, checks: bool) -> None:
    for book in report.books:
        if not quiet:
            state = "ok" if book.ok else f"{sum(d.severity == 'error' for d in book.problems)} problems"
            click.echo(f"{book.name}: {state}")
            for r in book.editions:
                extent = f"{r.pages} pages" if r.pages is not None else f"{r.documents} documents"
                found = [c for c in book.checks if c.edition in (r.name, f"{r.name} (cover)")]
                errors, warnings = sum(len(c.errors) for c in found), sum(len(c.warnings) for c in found)
                verdict = f"  {errors} errors, {warnings} warnings" if checks else ""
                click.echo(f"  {r.name:<16} {extent:>14}  {r.words:>9,} words  {book.origins.get(r.name, ''):<14}"
                           f"{verdict}".rstrip())
        # With checks, the builds' warnings are among them (check.build_warnings).
        warned = [] if checks else [w for result in book.editions for w in result.warnings]
        for diagnostic in [*warned, *book.problems]:
            # A book's own files are shown from the catalogue's folder; bookforge's layouts need the book's name.
            own = diagnostic.location is not None and diagnostic.location.file.startswith(book.name + "/")
            colour = "red" if diagnostic.severity == "error" else "yellow"
            click.secho(str(diagnostic) if own else f"{book.name}: {diagnostic}", err=True, fg=colour)
        for c in book.checks:
            for message in c.errors:
                click.secho(f"{book.name}: {c.edition}: {c.tool}: error: {message}", err=True, fg="red")
            for message in c.warnings:
                click.secho(f"{book.name}: {c.edition}: {c.tool}: warning: {message}", err=True, fg="yellow")
    ready = sum(1 for book in report.books if book.ok)
    kept = sum(1 for book in report.books for origin in book.origins.values() if origin != "built")
    where = f" on {report.engine} ({report.workers} workers)" if report.workers else ""
    line = (f"catalogue: {ready} of {len(report.books)} books built, in {report.seconds:.1f} s; "
            f"{report.tasks_run} editions made{where}, {kept} kept"
            + (f"; {report.retried} tasks sent again (lost workers)" if report.retried else ""))
    click.secho(line, fg="red" if report.failed else None)
    if checks:
        found = sum(1 for book in report.books for c in book.checks if c.errors or c.warnings)
        click.secho(f"catalogue check: {found} check{'s' if found != 1 else ''} found problems." if found else
                    "catalogue check: no problems found.", fg="red" if found else None)
