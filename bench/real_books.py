"""Figures on the long books of the corpus (bench/corpus): what no validator checks.

    python bench/real_books.py [BOOK ...] [--jobs N]

Per book: printed pages of the paperback, page-break markers in the ebook per printed page that starts with text
(goal 1.00), markers whose following text is not the page's (goal 0), and quote marks that bookforge's smart
quotes get wrong when the book is typed with straight quotes, against Standard Ebooks' proof-read marks (goal 0).
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

from bookforge.build.orchestrate import build  # noqa: E402
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
    for path in sorted((corpus.CORPUS / book / "manuscript").glob("0*.yaml")):
        text = yaml.safe_load(path.read_text(encoding="utf-8"))["introduction"]
        expected = MARKS.findall(prose(text, language))
        got = MARKS.findall(prose(text.translate(corpus.STRAIGHT), language))
        total += len(expected)
        wrong += sum(a != b for a, b in zip(expected, got)) + abs(len(expected) - len(got))
    return wrong, total


def measure(book: str, jobs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        project = corpus.project(book, Path(tmp) / book)
        started = time.perf_counter()
        results = {r.name: r for r in build(project, ["ebook", "paperback"], jobs=jobs)}
        seconds = time.perf_counter() - started
        # A cache entry is a header line (format, run, MAC), then the body.
        entry = (project / "build" / ".cache" / "pagemaps" / "paperback.json").read_bytes()
        starts = json.loads(entry.split(b"\n", 1)[1])["pages"]
        entries = page_list(results["ebook"].path)
        by_label = dict(entries)
        misplaced = sum(1 for s in starts if s["label"] in by_label and not by_label[s["label"]].startswith(s["text"]))
        wrong, marks = quote_marks_wrong(book)
        return {"book": book, "pages": results["paperback"].pages, "pages with text": len(starts),
                "markers": len(entries), "markers per page": round(len(entries) / len(starts), 3),
                "labels repeated": len(entries) - len(by_label), "markers misplaced": misplaced,
                "quote marks wrong": f"{wrong} of {marks}", "build s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("books", nargs="*", default=list(corpus.SOURCES))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    for book in args.books:
        print(json.dumps(measure(book, args.jobs), ensure_ascii=False))


if __name__ == "__main__":
    main()
