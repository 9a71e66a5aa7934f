"""Print speed, as ratios measured in one run (these machines are noisy): issue 18's goals 2-4, issue 15's speculation.

    .venv/bin/python bench/print_speed.py [--words 85000] [--books generated,sherlock-holmes,devils-dictionary]
                                          [--skip-anchors]

Every build is `bookforge build paperback` in a subprocess (start-up included). Per book (the generated 85,000-word
book and the corpus's long books, whose page estimates fall in another gutter band than their real page counts):
  a. cold (`--force`), `--jobs 2` against `--jobs 1`, run interleaved        (goals: <= 0.6; never > 1.0)
  b. after a change of style (the font size), from the cold build's cache   (goal: never > 1.0)
On the generated book, the anchors (goal 4 and the README's comparison):
  c. Pandoc 3 (pypandoc-binary): Markdown -> HTML with a book stylesheet -> WeasyPrint; bookforge's cold paperback
     at the default --jobs over it (goal <= 0.8)
  d. raw WeasyPrint on bookforge's own HTML (one document): bookforge --jobs 1 over it (its share, goal ~1.05)
  e. Typst (PyPI `typst`) on the same text in a 6 x 9 template with running heads and a contents page: pages a
     second beside bookforge's
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf

sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from bench_build import markdown_of, report, run  # noqa: E402
from make_manuscript import make  # noqa: E402

BIN = Path(sys.executable).parent
# The builds run the bookforge of PYTHONPATH if set (made absolute), else of this tree.
SOURCES = os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parent.parent / "src")
os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(path).resolve()) for path in SOURCES.split(os.pathsep) if path)
BOOKFORGE = str(BIN / "bookforge")
EDITION = "paperback"
# The same 6 x 9 page as bookforge's paperback, for Pandoc's HTML: folios, running heads, chapters on rectos.
PANDOC_CSS = """
@page { size: 6in 9in; margin: 0.75in 0.625in 0.85in 0.75in;
        @bottom-center { content: counter(page); font-size: 9pt; } }
@page :left { margin-left: 0.625in; margin-right: 0.75in; @top-center { content: string(book); font-size: 8.5pt; } }
@page :right { @top-center { content: string(chapter); font-size: 8.5pt; } }
html { font-family: serif; font-size: 11pt; line-height: 1.4; hyphens: auto; }
p { margin: 0; text-indent: 1.2em; text-align: justify; }
h1.title { string-set: book content(); }
h1 { break-before: right; string-set: chapter content(); margin-top: 1.4in; }
nav#TOC { break-before: right; }
nav#TOC a::after { content: leader('.') target-counter(attr(href), page); }
blockquote { margin: 0.6em 1.5em; font-style: italic; }
"""
TYPST_TEMPLATE = """
#set page(width: 6in, height: 9in, margin: (inside: 0.75in, outside: 0.625in, top: 0.75in, bottom: 0.85in),
  header: context {
    let page = here().page()
    let opened = query(heading.where(level: 1)).any(h => h.location().page() == page)
    if not opened {
      set text(size: 8.5pt)
      if calc.even(page) { align(center, smallcaps[BOOK_TITLE]) } else {
        let before = query(heading.where(level: 1).before(here()))
        if before.len() > 0 { align(center, smallcaps(before.last().body)) }
      }
    }
  },
  footer: context align(center, text(size: 9pt, counter(page).display())))
#set text(size: 11pt, hyphenate: true)
#set par(justify: true, first-line-indent: 1.2em, spacing: 0.65em)
#show heading.where(level: 1): it => { pagebreak(to: "odd", weak: true); v(1.4in); it }
#outline(depth: 1)
"""


def build(project: Path, *args: str) -> float:
    return run([BOOKFORGE, "build", "-q", "-C", str(project), EDITION, *args])[0]


def book_project(name: str, work: Path, words: int) -> Path:
    if name == "generated":
        return make(work / "generated", words, 30)
    return corpus.project(name, work / name)


def pages(project: Path) -> int:
    return report(project)[EDITION]["pages"]


def chunk_counts(project: Path) -> str:
    """Chunks laid out, of them ahead of their turn, and guesses thrown away, in the last --jobs 2 build."""
    counts = report(project)[EDITION]["chunks"] or {}
    return (f"{counts.get('laid_out')}/{counts.get('total')} chunks, {counts.get('ahead', 0)} ahead, "
            f"{counts.get('missed', '?')} missed")


def restyled(project: Path, copy: Path) -> Path:
    """A copy of `project` (its build folder too) with a larger type size in the paperback's layout."""
    shutil.copytree(project, copy)
    layout = copy / "layouts" / EDITION / "layout.yaml"
    layout.write_text(layout.read_text() + "  font_size: 11.5pt\n", encoding="utf-8")
    return copy


def speculation(name: str, work: Path, words: int) -> dict[str, float]:
    """Cold --jobs 1 and --jobs 2 (interleaved: 1, 2, 2, 1), then restyled from the cold cache, 1 against 2."""
    project = book_project(name, work, words)
    times: dict[int, list[float]] = {1: [], 2: []}
    for jobs in (1, 2, 2, 1):
        times[jobs].append(build(project, "--jobs", str(jobs), "--force"))
        if jobs == 2:
            cold_chunks = chunk_counts(project)
    cold = {jobs: sorted(t)[0] for jobs, t in times.items()}
    count = pages(project)
    serial, parallel = restyled(project, work / f"{name}-restyled-1"), restyled(project, work / f"{name}-restyled-2")
    restyle = {2: build(parallel, "--jobs", "2"), 1: build(serial, "--jobs", "1")}
    print(f"   {name:18s} {count:4d} pages  cold: --jobs 1 {cold[1]:6.1f} s  --jobs 2 {cold[2]:6.1f} s  "
          f"ratio {cold[2] / cold[1]:.2f} ({cold_chunks})   restyled: {restyle[1]:6.1f} s  {restyle[2]:6.1f} s  "
          f"ratio {restyle[2] / restyle[1]:.2f} ({chunk_counts(parallel)})", flush=True)
    return {"pages": count, "cold1": cold[1], "cold2": cold[2]}


def pandoc() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def pandoc_weasyprint(markdown: Path, work: Path) -> float:
    """Markdown -> standalone HTML with the book stylesheet and a contents -> WeasyPrint's command."""
    css = work / "book.css"
    css.write_text(PANDOC_CSS, encoding="utf-8")
    html, pdf = work / "pandoc.html", work / "pandoc.pdf"
    started = time.perf_counter()
    subprocess.run([pandoc(), str(markdown), "-s", "--toc", "--toc-depth=1", "-c", css.name, "-o", str(html)],
                   check=True, cwd=work)
    subprocess.run([str(BIN / "weasyprint"), str(html), str(pdf)], check=True, cwd=work, capture_output=True)
    return time.perf_counter() - started


def raw_weasyprint(project: Path, work: Path) -> float:
    """WeasyPrint's command on bookforge's HTML of the paperback as one document, its resources beside it."""
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    loaded = load_project(project)
    rendition = render(loaded.book, EDITION, loaded.layouts[EDITION], page_count=pages(project))
    folder = work / "raw"
    (document,) = rendition.documents
    files = {document.href: document.content.encode()} | {path: css.encode() for path, css in rendition.stylesheets}
    files |= dict(rendition.fonts) | {path: image.data for path, image in rendition.images.items()}
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    started = time.perf_counter()
    subprocess.run([str(BIN / "weasyprint"), str(folder / document.href), str(work / "raw.pdf")], check=True,
                   capture_output=True)
    return time.perf_counter() - started


def typst_pages_per_second(markdown: Path, work: Path) -> tuple[int, float]:
    import typst

    body = subprocess.run([pandoc(), str(markdown), "-t", "typst", "--shift-heading-level-by=0"], check=True,
                          capture_output=True, text=True).stdout
    title = markdown.read_text(encoding="utf-8").splitlines()[0].lstrip("% ")
    source = work / "book.typ"
    source.write_text(TYPST_TEMPLATE.replace("BOOK_TITLE", title.replace("]", "")) + body, encoding="utf-8")
    started = time.perf_counter()
    data = typst.compile(str(source))
    seconds = time.perf_counter() - started
    return len(pypdf.PdfReader(io.BytesIO(data)).pages), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=85_000, help="words in the generated book (30 chapters)")
    parser.add_argument("--books", default="generated," + ",".join(corpus.SOURCES))
    parser.add_argument("--skip-anchors", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-print-speed-"))
    started = time.perf_counter()
    print(f"print speed ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start); in {work}")
    print("a, b. paperback --jobs 2 / --jobs 1: cold (goal <= 0.60) and restyled (goal <= 1.00)")
    figures = {name: speculation(name, work, args.words) for name in args.books.split(",")}
    if not args.skip_anchors and "generated" in figures:
        project, generated = work / "generated", figures["generated"]
        markdown = markdown_of(project)
        anchor = pandoc_weasyprint(markdown, work)
        default = build(project, "--force")
        print(f"c. Pandoc {pandoc_version()} -> WeasyPrint: {anchor:.1f} s; bookforge cold (default --jobs) "
              f"{default:.1f} s: ratio {default / anchor:.2f} (goal <= 0.80)")
        raw = raw_weasyprint(project, work)
        print(f"d. raw WeasyPrint on bookforge's HTML: {raw:.1f} s; bookforge --jobs 1 {generated['cold1']:.1f} s: "
              f"ratio {generated['cold1'] / raw:.2f} (bookforge's own share; goal ~1.05)")
        typst_pages, typst_seconds = typst_pages_per_second(markdown, work)
        print(f"e. pages a second: Typst {typst_pages / typst_seconds:.0f} ({typst_pages} pages, {typst_seconds:.1f} s);"
              f" bookforge --jobs 1 {generated['pages'] / generated['cold1']:.1f}, --jobs 2 "
              f"{generated['pages'] / generated['cold2']:.1f}; Pandoc -> WeasyPrint "
              f"{pages_of(work / 'pandoc.pdf') / anchor:.1f}")
    print(f"({time.perf_counter() - started:.0f} s in all; load average {os.getloadavg()[0]:.1f} at the end)")


def pandoc_version() -> str:
    import pypandoc

    return pypandoc.get_pandoc_version()


def pages_of(pdf: Path) -> int:
    return len(pypdf.PdfReader(pdf).pages)


if __name__ == "__main__":
    main()
