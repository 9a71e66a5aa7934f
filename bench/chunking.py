"""Laying a print edition out in chunks (chunks.py) against laying it out whole, in one run.

    .venv/bin/python bench/chunking.py [--words 85000] [--edition paperback]

In this process (no start-up), on a generated book: the edition laid out as one document; in chunks from an
empty store (a cold build); in chunks again after one scene is edited, on another day (what `bookforge build`
without SOURCE_DATE_EPOCH does after an edit); then, after a change of style, in one process against two. Prints
the wall times, their ratios, the file sizes (and their font programs) and whether every page's text is the same.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pypdf

sys.path.insert(0, str(Path(__file__).parent))
from bench_build import edit_one_scene  # noqa: E402
from make_manuscript import make  # noqa: E402

from bookforge.project import load_project  # noqa: E402
from bookforge.manuscript.load import load_book  # noqa: E402
from bookforge.print.writer import write_pdf  # noqa: E402
from bookforge.render.rendition import render  # noqa: E402

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)
NEXT_DAY = datetime(2026, 1, 2, 9, 30, tzinfo=timezone.utc)


def lay_out(project: Path, edition: str, store: dict[str, str] | None, workers: int = 1,
            modified: datetime = MODIFIED):
    book = load_book(project)
    rendition = render(book, edition, load_project(Path(book.root)).layouts[edition], page_count=400)
    started = time.perf_counter()
    result = write_pdf(rendition, modified, chunk_store=store, chunk_workers=workers)
    return result, time.perf_counter() - started


def fonts(data: bytes) -> str:
    """How many font programs the PDF embeds, and their size."""
    import pikepdf

    programs = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = next((obj[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in obj), None)
                if program is not None:
                    programs[program.objgen] = len(program.read_raw_bytes())
    return f"{len(programs)} font programs, {sum(programs.values()) / 1e3:.0f} KB"


def texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=85_000)
    parser.add_argument("--edition", default="paperback")
    args = parser.parse_args()
    project = make(Path(tempfile.mkdtemp(prefix="bookforge-chunks-")) / "book", args.words, 30)
    lay_out(project, args.edition, None)  # imports and font caches warm, for both
    whole, whole_time = lay_out(project, args.edition, None)
    store = {}
    chunked, cold_time = lay_out(project, args.edition, store)
    same = texts(whole.data) == texts(chunked.data)
    edit_one_scene(project)
    edited, edit_time = lay_out(project, args.edition, store, modified=NEXT_DAY)
    print(f"{args.words:,} words, 30 chapters, edition {args.edition}: {whole.pages} pages")
    print(f"whole document:    {whole_time:6.1f} s  {len(whole.data) / 1e6:5.2f} MB  ({fonts(whole.data)})")
    print(f"chunks, cold:      {cold_time:6.1f} s  {len(chunked.data) / 1e6:5.2f} MB  ({fonts(chunked.data)})  "
          f"x{cold_time / whole_time:.2f} the time, x{len(chunked.data) / len(whole.data):.3f} the size; "
          f"{chunked.chunks.total} chunks")
    print(f"chunks, 1 edit, another day: {edit_time:6.1f} s  = {100 * edit_time / whole_time:.0f}% of the whole "
          f"document; {edited.chunks.laid_out} of {edited.chunks.total} chunks laid out again")
    print(f"every page's text the same as the whole document's: {same}")
    # A change of style that moves no page: every chunk again, each where it started in the last build.
    other = dict(store)
    layout_yaml = project / "layouts" / args.edition / "layout.yaml"
    layout_yaml.write_text(layout_yaml.read_text() + '  accent_colour: "#8a3b12"\n')
    serial, serial_time = lay_out(project, args.edition, store)
    parallel, parallel_time = lay_out(project, args.edition, other, workers=2)
    print(f"restyled, 1 process:  {serial_time:6.1f} s  ({serial.chunks.laid_out} chunks)")
    print(f"restyled, 2 processes: {parallel_time:6.1f} s  ({parallel.chunks.ahead} chunks laid out ahead)  ratio "
          f"{parallel_time / serial_time:.2f}; same bytes: {serial.data == parallel.data}")


if __name__ == "__main__":
    main()
