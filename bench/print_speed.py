"""Print speed, as ratios measured in one run (these machines are noisy): issue 18's goals 2-4, issue 15's speculation.

    .venv/bin/python bench/print_speed.py [--words 85000] [--skip-anchors]
                                          [--books generated,sherlock-holmes,devils-dictionary,gutter-miss]

Every build is `bookforge build EDITION` in a subprocess (start-up included). Per book (the generated 85,000-word
book's paperback, the corpus's story collection's paperback and its dictionary's large print, and the generated
book cut to ~69,000 words, whose page estimate picks the wrong gutter band):
  a. cold (`--force`), `--jobs 2` against `--jobs 1`, run interleaved        (goals: <= 0.6; never > 1.0)
  b. after a change of style (the font size), from the cold build's cache   (goal: never > 1.0; not on gutter-miss)
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
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf

BIN = Path(sys.executable).parent
# The builds run the bookforge of PYTHONPATH if set (made absolute), else of this tree.
SOURCES = os.environ.get("PYTHONPATH") or str(Path(__file__).resolve().parent.parent / "src")
os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(path).resolve()) for path in SOURCES.split(os.pathsep) if path)
sys.path[:0] = os.environ["PYTHONPATH"].split(os.pathsep)  # and so does this process (estimates, raw HTML)
sys.path.insert(0, str(Path(__file__).parent))
import corpus  # noqa: E402
from bench_build import markdown_of, report, run  # noqa: E402
from make_manuscript import make  # noqa: E402

BOOKFORGE = str(BIN / "bookforge")
# The edition measured in each book. The line printed for each says whether the page estimate picked the gutter band
# of the real page count (the first three do; gutter-miss is made not to).
BOOKS = {"generated": "paperback", "sherlock-holmes": "paperback", "devils-dictionary": "large-print",
         "gutter-miss": "paperback"}
GUTTER_MISS_SHARE = 69_000 / 85_000
"""The generated book at this share of its words: ~293 pages laid out where the text's estimate says ~319, so the
first layout takes the 300-500 page band's gutter and must be made again in the band below (goal 3's book whose
gutter estimate misses; measured cold only: the restyled builds are the other books')."""
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


def build(project: Path, edition: str, *args: str) -> float:
    return timed(project, edition, *args)[0]


def timed(project: Path, edition: str, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds (the build's processes, workers included) of one build."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run([BOOKFORGE, "build", "-q", "-C", str(project), edition, *args])[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def book_project(name: str, work: Path, words: int) -> Path:
    if name == "generated":
        return make(work / "generated", words, 30)
    if name == "gutter-miss":
        return make(work / name, round(words * GUTTER_MISS_SHARE), 30)
    return corpus.project(name, work / name)


def pages(project: Path, edition: str) -> int:
    return report(project)[edition]["pages"]


def estimate(project: Path, edition: str, real: int) -> str:
    """The page count estimated from the text, which picks the first layout's gutter band, against the real one."""
    from bookforge.build.writers import estimated_pages
    from bookforge.layout.geometry import gutter_for
    from bookforge.project import load_project

    loaded = load_project(project)
    guess = estimated_pages(loaded.book, edition, loaded.layouts[edition].settings)
    band = "same gutter band" if gutter_for(guess) == gutter_for(real) else "another gutter band"
    return f"{edition}: estimated {guess} pages, {real} laid out ({band})"


def chunk_counts(project: Path, edition: str) -> str:
    """Chunks laid out, of them ahead of their turn, and guesses thrown away, in the last --jobs 2 build."""
    counts = report(project)[edition]["chunks"] or {}
    return (f"{counts.get('laid_out')}/{counts.get('total')} chunks, {counts.get('ahead', 0)} ahead, "
            f"{counts.get('missed', '?')} missed")


def restyled(project: Path, copy: Path, edition: str) -> Path:
    """A copy of `project` (its build folder too) whose edition has a layout of the copy's own, its type 0.5 pt
    larger."""
    import yaml

    from bookforge.project import load_project

    shutil.copytree(project, copy)
    loaded = load_project(copy)
    size = loaded.layouts[edition].settings["font_size"]
    folder = copy / "layouts" / "restyled"
    folder.mkdir()
    (folder / "layout.yaml").write_text(f"extends: {loaded.editions[edition].layout}\nsettings:\n"
                                        f"  font_size: {float(size.removesuffix('pt')) + 0.5}pt\n", encoding="utf-8")
    book_yaml = copy / "manuscript" / "book.yaml"
    book = yaml.safe_load(book_yaml.read_text(encoding="utf-8"))
    book["editions"][edition]["layout"] = "restyled"
    book_yaml.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


def speculation(name: str, edition: str, work: Path, words: int) -> dict[str, float]:
    """Cold --jobs 1 and --jobs 2 (interleaved: 1, 2, 2, 1), then restyled from the cold cache (2, 1, 1, 2); the
    shorter time of each."""
    project = book_project(name, work, words)
    times: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for jobs in (1, 2, 2, 1):
        times[jobs].append(timed(project, edition, "--jobs", str(jobs), "--force"))
        if jobs == 2:
            cold_chunks = chunk_counts(project, edition)
    cold = {jobs: min(t) for jobs, t in times.items()}
    count = pages(project, edition)
    print(f"   {name}, {estimate(project, edition, count)}\n"
          f"      cold: --jobs 1 {cold[1][0]:5.1f} s, --jobs 2 {cold[2][0]:5.1f} s: ratio "
          f"{cold[2][0] / cold[1][0]:.2f} ({cold_chunks}; CPU {cold[1][1]:.1f} s and {cold[2][1]:.1f} s)", flush=True)
    figures = {"pages": count, "cold1": cold[1][0], "cold2": cold[2][0]}
    if name == "gutter-miss":
        return figures
    copies = [restyled(project, work / f"{name}-restyled-{turn}", edition) for turn in range(4)]
    restyle: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    for copy, jobs in zip(copies, (2, 1, 1, 2)):
        restyle[jobs].append(timed(copy, edition, "--jobs", str(jobs)))
    restyle = {jobs: min(t) for jobs, t in restyle.items()}
    print(f"      restyled: --jobs 1 {restyle[1][0]:5.1f} s, --jobs 2 {restyle[2][0]:5.1f} s: ratio "
          f"{restyle[2][0] / restyle[1][0]:.2f} ({chunk_counts(copies[3], edition)}; CPU {restyle[1][1]:.1f} s and "
          f"{restyle[2][1]:.1f} s)", flush=True)
    return figures


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
    rendition = render(loaded.book, "paperback", loaded.layouts["paperback"], page_count=pages(project, "paperback"))
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
    parser.add_argument("--books", default=",".join(BOOKS), help="of: " + ", ".join(BOOKS))
    parser.add_argument("--skip-anchors", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-print-speed-"))
    started = time.perf_counter()
    print(f"print speed ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start); in {work}")
    print("a, b. --jobs 2 / --jobs 1: cold (goal <= 0.60) and restyled (goal <= 1.00)")
    figures = {name: speculation(name, BOOKS[name], work, args.words) for name in args.books.split(",")}
    if not args.skip_anchors and "generated" in figures:
        anchors(work / "generated", work, figures["generated"])
    print(f"({time.perf_counter() - started:.0f} s in all; load average {os.getloadavg()[0]:.1f} at the end)")


def interleaved(first, second) -> tuple[float, float]:
    """Two measures run first, second, second, first: the shorter time of each."""
    firsts, seconds = [first()], [second()]
    seconds.append(second())
    firsts.append(first())
    return min(firsts), min(seconds)


def anchors(project: Path, work: Path, generated: dict[str, float]) -> None:
    """c, d, e on the generated book; each pair measured interleaved (A, B, B, A), the faster of each kept."""
    markdown = markdown_of(project)
    anchor, default = interleaved(lambda: pandoc_weasyprint(markdown, work),
                                  lambda: build(project, "paperback", "--force"))
    raw, serial = interleaved(lambda: raw_weasyprint(project, work),
                              lambda: build(project, "paperback", "--force", "--jobs", "1"))
    print(f"c. Pandoc {pandoc_version()} -> WeasyPrint: {anchor:.1f} s; bookforge cold (default --jobs) "
          f"{default:.1f} s: ratio {default / anchor:.2f} (goal <= 0.80)")
    print(f"d. raw WeasyPrint on bookforge's HTML: {raw:.1f} s; bookforge --jobs 1 {serial:.1f} s: "
          f"ratio {serial / raw:.2f} (bookforge's own share; goal ~1.05)")
    typst_pages, typst_seconds = typst_pages_per_second(markdown, work)
    print(f"e. pages a second: Typst {typst_pages / typst_seconds:.0f} ({typst_pages} pages, {typst_seconds:.1f} s); "
          f"bookforge --jobs 1 {generated['pages'] / serial:.1f}, --jobs 2 {generated['pages'] / default:.1f}; "
          f"Pandoc -> WeasyPrint {pages_of(work / 'pandoc.pdf') / anchor:.1f}")


def pandoc_version() -> str:
    import pypandoc

    return pypandoc.get_pandoc_version()


def pages_of(pdf: Path) -> int:
    return len(pypdf.PdfReader(pdf).pages)


if __name__ == "__main__":
    main()
