"""Figures on the long books of the corpus (bench/corpus): what no validator checks.

    python bench/real_books.py [BOOK ...] [--jobs N]

Per book: printed pages of the paperback, page-break markers in the ebook per printed page that starts with text
(goal 1.00), markers whose following text is not the page's (goal 0), and quote marks that bookforge's smart
quotes get wrong when the book is typed with straight quotes, against Standard Ebooks' proof-read marks (goal 0).
Per print edition built (the paperback; `--print large-print` adds others): body pages under 85% full, chapter
ends aside (goal 0), chapters ending on a page of one or two lines, and stacks of three or more hyphenated lines.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml
from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402

from bookforge.build.cache import PAGE_MAPS_DIR, Cache  # noqa: E402
from bookforge.build.orchestrate import build  # noqa: E402
from bookforge.manuscript.markdown import parse_markdown  # noqa: E402
from bookforge.layout.geometry import to_points  # noqa: E402
from bookforge.print import fill  # noqa: E402
from bookforge.project import load_project  # noqa: E402
from bookforge.render.markup import prose  # noqa: E402

NS = {"x": "http://www.w3.org/1999/xhtml"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
MARKS = re.compile("[“”‘’\"']")


def alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def page_list(epub: Path) -> list[tuple[str, str]]:
    """(label, the letters and digits after the marker in its document) of every page-list entry."""
    entries = []
    with zipfile.ZipFile(epub) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        (pages,) = [n for n in nav.iterfind(".//x:nav", NS) if n.get(EPUB_TYPE) == "page-list"]
        documents = {}
        for link in pages.iterfind(".//x:a", NS):
            name, ident = link.get("href").split("#")
            root = documents.setdefault(name, etree.fromstring(archive.read(f"EPUB/{name}")))
            (marker,) = root.xpath(f"//*[@id='{ident}']")
            after = "".join(marker.xpath("following::text()"))
            entries.append((link.text, alnum(after)))  # the tail is the first following text node
    return entries


def quote_marks_wrong(book: str) -> tuple[int, int]:
    """(marks wrong, marks) when every chapter is typed with straight quotes, against the proof-read text."""
    wrong = total = 0
    language = yaml.safe_load((corpus.CORPUS / book / "manuscript" / "book.yaml").read_text())["metadata"]["language"]
    for path in sorted((corpus.CORPUS / book / "manuscript").glob("0*")):
        if path.suffix == ".md":  # a chapter as `bookforge import` writes it
            text = parse_markdown(path.read_bytes(), path.name).data.get("text", "")
        else:
            text = yaml.safe_load(path.read_text(encoding="utf-8"))["introduction"]
        expected = MARKS.findall(prose(text, language))
        got = MARKS.findall(prose(text.translate(corpus.STRAIGHT), language))
        total += len(expected)
        wrong += sum(a != b for a, b in zip(expected, got)) + abs(len(expected) - len(got))
    return wrong, total


def hyphen_stacks(pdf: Path) -> int:
    """Runs of three or more lines in a row that end in a hyphen (pdfium joins a hyphenated word with U+FFFE)."""
    import pypdfium2

    document, stacks = pypdfium2.PdfDocument(str(pdf)), 0
    try:
        for page in document:
            run = 0
            for line in page.get_textpage().get_text_range().replace("\ufffe", "-\n").splitlines():
                if not line.strip():
                    continue
                run = run + 1 if re.search(r"\w[-\u2010]$", line.strip()) else 0
                stacks += run == 3
    finally:
        document.close()
    return stacks


def page_quality(project: Path, edition: str, pdf: Path) -> dict:
    """How full the body pages of a print edition are, its short chapter ends and its hyphen stacks."""
    margins = load_project(project).layouts[edition].settings["margins"]
    pages = fill.body_fill(pdf, to_points(margins["top"]), to_points(margins["bottom"]))
    return {f"{edition}: pages under {fill.UNDERFULL:.0%} full": f"{len(fill.underfull(pages))} of {len(pages)}",
            f"{edition}: chapters ending on 1-2 lines": len(fill.short_chapter_ends(pages)),
            f"{edition}: stacks of 3+ hyphens": hyphen_stacks(pdf)}


def measure(book: str, jobs: int, editions: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = corpus.project(book, Path(tmp) / book)
        started = time.perf_counter()
        results = {r.name: r for r in build(project, ["ebook", "paperback", *editions], jobs=jobs)}
        seconds = time.perf_counter() - started
        # The cache's entries carry a signed header: read through the cache.
        starts = json.loads(Cache(project / "build").read(f"{PAGE_MAPS_DIR}/paperback.json"))["pages"]
        entries = page_list(results["ebook"].path)
        by_label = dict(entries)
        misplaced = sum(1 for s in starts if s["label"] in by_label and not by_label[s["label"]].startswith(s["text"]))
        wrong, marks = quote_marks_wrong(book)
        quality = {key: value for name in ("paperback", *editions)
                   for key, value in page_quality(project, name, results[name].path).items()}
        return {"book": book, "pages": results["paperback"].pages, "pages with text": len(starts),
                "markers": len(entries), "markers per page": round(len(entries) / len(starts), 3),
                "labels repeated": len(entries) - len(by_label), "markers misplaced": misplaced,
                "quote marks wrong": f"{wrong} of {marks}", **quality, "build s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", nargs="*", default=list(corpus.SOURCES))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--print", dest="editions", action="append", default=[],
                        help="another print edition to measure pages of (large-print)")
    args = parser.parse_args()
    for book in args.books:
        print(json.dumps(measure(book, args.jobs, args.editions), ensure_ascii=False))


if __name__ == "__main__":
    main()
