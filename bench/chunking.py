"""Does laying out a print edition in chunks (one document per chapter, two processes) pay, and is it the same book?

    .venv/bin/python bench/chunking.py [--words 85000] [--edition paperback]

Lays the edition out three ways, all in this one run:
  single   the whole book as one WeasyPrint document (what `bookforge build` does);
  chunks   each chapter as its own document, in a 2-process pool, with each chapter's first folio taken from the
           single build (the best case: in a real build those folios are only known after laying out every
           chapter before it), merged with pikepdf;
and prints the wall times, the file sizes, and whether every chapter heading lands on the same page with the same
text as in the single document.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
import pypdf

sys.path.insert(0, str(Path(__file__).parent))
from make_manuscript import make  # noqa: E402

from bookforge.layout import load_layout  # noqa: E402
from bookforge.load import load_book  # noqa: E402
from bookforge.pdf import write_pdf  # noqa: E402
from bookforge.render import render  # noqa: E402

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def lay_out(project: str, edition: str, part_ids: tuple[str, ...] | None, first_folio: int | None) -> bytes:
    """One document: the whole edition, or only the given parts with folios starting at `first_folio`."""
    book = load_book(Path(project))
    if part_ids is not None:
        book = replace(book, parts=tuple(p for p in book.parts if p.id in part_ids))
    layout = load_layout(Path(project), book.editions[edition].layout)
    rendition = render(book, edition, layout, page_count=400)
    if first_folio is not None:
        extra = f"@page :nth(1 of first-chapter) {{ counter-reset: page {first_folio}; }}"
        rendition = replace(rendition, stylesheets=(*rendition.stylesheets, ("styles/chunk.css", extra)))
        document = rendition.documents[0]
        content = document.content.replace("</head>", '<link rel="stylesheet" href="styles/chunk.css"/></head>')
        rendition = replace(rendition, documents=(replace(document, content=content),))
    return write_pdf(rendition, MODIFIED).data


def headings(pdf: bytes) -> list[tuple[int, str]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [(reader.get_destination_page_number(item), item.title.replace("\xa0", " ")) for item in reader.outline
            if not isinstance(item, list)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=85_000)
    parser.add_argument("--edition", default="paperback")
    args = parser.parse_args()
    project = make(Path(tempfile.mkdtemp(prefix="bookforge-chunks-")) / "book", args.words, 30)
    book = load_book(project)
    chapters = [p.id for p in book.parts if p.role == "body"]

    started = time.perf_counter()
    single = lay_out(str(project), args.edition, None, None)
    single_time = time.perf_counter() - started
    reader = pypdf.PdfReader(io.BytesIO(single))
    texts = [page.extract_text() for page in reader.pages]
    titles = [p.chapter.title for p in book.parts if p.role == "body"]
    # Where each chapter opens in the single document, and so its first folio (the body is numbered from 1).
    bookmarks = {title: page for page, title in headings(single)}
    opens = [bookmarks[title] for title in titles]
    folios = [index - opens[0] + 1 for index in opens]

    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(lay_out, [str(project)] * len(chapters), [args.edition] * len(chapters),
                              [(c,) for c in chapters], folios))
    merged = pikepdf.new()
    for data in parts:
        with pikepdf.open(io.BytesIO(data)) as chunk:
            if len(merged.pages) % 2:  # the next chapter opens on a recto: a blank verso first
                merged.add_blank_page(page_size=(chunk.pages[0].mediabox[2], chunk.pages[0].mediabox[3]))
            merged.pages.extend(chunk.pages)
    out = io.BytesIO()
    merged.save(out)
    chunk_time = time.perf_counter() - started

    merged_texts = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(out.getvalue())).pages]
    single_body = texts[opens[0]:opens[0] + len(merged_texts)]
    differing = sum(1 for a, b in zip(single_body, merged_texts) if a.split() != b.split())
    print(f"{args.words:,} words, {len(chapters)} chapters, edition {args.edition}")
    print(f"single document: {single_time:6.1f} s  {len(single) / 1e6:5.2f} MB  {len(texts)} pages")
    print(f"chunks, 2 procs: {chunk_time:6.1f} s  {len(out.getvalue()) / 1e6:5.2f} MB  {len(merged_texts)} body pages "
          f"(single: {len(texts) - opens[0]})   time ratio {chunk_time / single_time:.2f}")
    print(f"body pages whose words (running heads and folios included) differ from the single document: {differing}")
    print("not carried over by the merge: bookmarks, the contents page and its links (they point across chunks);")
    print("and each chunk's first folio was taken from the single document: a real build knows it only after")
    print("laying out every chapter before it.")


if __name__ == "__main__":
    main()
