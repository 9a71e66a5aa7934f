"""How much of a print edition an author's small edits lay out again: random one-word insertions, one at a time.

    .venv/bin/python bench/edits.py [--words 85000] [--edits 20] [--edit-words 1] [--jobs 1] [--edition paperback]
                                    [--same-date]

In this process, on a generated book laid out in chunks: the cold layout, then after each edit (`--edit-words`
words put before a "the" somewhere in a random chapter) the time and how many chunks were laid out again. Each
layout has a date of its own, as builds without SOURCE_DATE_EPOCH do (`--same-date`: one date for all). An edit
moves the chapters after it (and makes them all be laid out again) only when its chapter's page count crosses an
even number, since chapters open on right-hand pages; this counts how often that happens.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_manuscript import make  # noqa: E402

from bookforge.project import load_project  # noqa: E402
from bookforge.manuscript.load import load_book  # noqa: E402
from bookforge.print.writer import write_pdf  # noqa: E402
from bookforge.render.rendition import render  # noqa: E402

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)
WORDS = ("very ", "quite ", "astonishingly ", "much ", "truly ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=85_000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--edit-words", type=int, default=1, help="words each edit adds")
    parser.add_argument("--jobs", type=int, default=1, help="processes that may lay chunks out ahead")
    parser.add_argument("--edition", default="paperback")
    parser.add_argument("--same-date", action="store_true", help="lay every version out with one date")
    args = parser.parse_args()
    project = make(Path(tempfile.mkdtemp(prefix="bookforge-edits-")) / "book", args.words, 30)
    store = {}
    layouts = []

    def lay_out():
        book = load_book(project)
        rendition = render(book, args.edition, load_project(Path(book.root)).layouts[args.edition], page_count=400)
        modified = MODIFIED + (timedelta() if args.same_date else timedelta(minutes=len(layouts)))
        layouts.append(modified)
        started = time.perf_counter()
        result = write_pdf(rendition, modified, chunk_store=store, chunk_workers=args.jobs)
        return result, time.perf_counter() - started

    result, cold = lay_out()
    print(f"{args.words:,} words, edition {args.edition}: {result.pages} pages in {result.chunks.total} chunks, "
          f"cold {cold:.1f} s")
    rng = random.Random(7)
    moved = []
    for number in range(1, args.edits + 1):
        chapter = project / "manuscript" / f"{rng.randint(1, 30):02d}-chapter.yaml"
        text = chapter.read_text(encoding="utf-8")
        at = rng.choice([i for i in range(len(text)) if text.startswith(" the ", i)]) + 1
        added = "".join(rng.choice(WORDS) for _ in range(args.edit_words))
        chapter.write_text(text[:at] + added + text[at:], encoding="utf-8")
        result, seconds = lay_out()
        moved.append(result.chunks.laid_out > 1)
        print(f"edit {number:2d} ({chapter.name}): {seconds:5.1f} s = {100 * seconds / cold:3.0f}% of cold, "
              f"{result.chunks.laid_out} of {result.chunks.total} chunks laid out ({result.chunks.ahead} ahead)")
    print(f"edits that moved the chapters after them: {sum(moved)} of {len(moved)}")


if __name__ == "__main__":
    main()
