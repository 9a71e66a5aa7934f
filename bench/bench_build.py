"""Build-speed figures for issue 6, as ratios measured in one run (these machines are noisy).

    .venv/bin/python bench/bench_build.py [--scales 1,2,4] [--skip-pandoc] [--work DIR]

Every build runs `bookforge build` in a subprocess, so times include start-up and peak memory is the
process's own (the largest of its workers for parallel builds). Figures printed:
  1. cold build of all editions, --jobs 2 vs --jobs 1            (goal: ratio <= 0.6)
  2. no-op rebuild                                                (goal: < 1 s and < 5% of cold)
  3. one scene edited: EPUB rebuilt; paperback vs its cold time  (goal: < 1.5 s; < 35%)
  4. scaling at 1x/2x/4x the manuscript: time vs pages, peak MB  (goal: 4x pages within 4.4x time, < 1 GB)
  5. Pandoc on the same text (Markdown -> EPUB; -> PDF via WeasyPrint): bookforge's EPUB time over Pandoc's
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from make_manuscript import make  # noqa: E402

BIN = Path(sys.executable).parent
BOOKFORGE = str(BIN / "bookforge")


def run(args: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one command (children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{completed.stdout}\n{completed.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def build(project: Path, *args: str) -> tuple[float, float]:
    return run([BOOKFORGE, "build", "-q", "-C", str(project), *args])


def report(project: Path) -> dict:
    return {e["name"]: e for e in json.loads((project / "build" / "report.json").read_text())["editions"]}


def edit_one_scene(project: Path) -> None:
    chapter = project / "manuscript" / "01-chapter.yaml"
    data = chapter.read_text(encoding="utf-8")
    chapter.write_text(data.replace("text: ", "text: Edited. ", 1), encoding="utf-8")


def markdown_of(project: Path) -> Path:
    """The manuscript as one Markdown file, for Pandoc."""
    book = yaml.safe_load((project / "manuscript" / "book.yaml").read_text())
    lines = [f"% {book['metadata']['title']}", ""]
    for item in book["contents"]:
        if isinstance(item, dict):
            chapter = yaml.safe_load((project / "manuscript" / next(iter(item.values()))).read_text())
            lines += [f"# {chapter['title']}", ""]
            for entry in chapter["entries"]:
                lines += [f"## {entry['title']}", "", entry["text"], ""]
                aside = entry.get("context") or entry.get("why_it_matters")
                lines += [f"> {aside}", ""]
    path = project / "book.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,2,4", help="manuscript sizes to measure, as multiples of 85,000 words")
    parser.add_argument("--skip-pandoc", action="store_true")
    parser.add_argument("--words", type=int, default=85_000, help="words in the 1x manuscript (30 chapters)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated books (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-bench-"))
    env_note = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"
    print(f"bookforge build benchmark ({env_note}); books in {work}\n")

    project = make(work / "book-1x", args.words, 30)
    cold_serial, _ = build(project, "--jobs", "1", "--force")
    pages = {name: e["pages"] for name, e in report(project).items()}
    shutil.rmtree(project / "build")
    cold_parallel, _ = build(project, "--jobs", "2")
    print("1. cold build, all editions")
    print(f"   --jobs 1: {cold_serial:6.1f} s   --jobs 2: {cold_parallel:6.1f} s   ratio {cold_parallel / cold_serial:.2f}"
          f"   (goal <= 0.60)   pages: {pages}")

    noop, _ = build(project, "--jobs", "2")
    print("2. no-op rebuild")
    print(f"   {noop:6.2f} s = {100 * noop / cold_parallel:.1f}% of the cold build   (goal < 1 s and < 5%)")

    edit_one_scene(project)
    epub_edit, _ = build(project, "ebook")
    edit_one_scene(project)
    paper_edit, _ = build(project, "paperback")
    counts = report(project)["paperback"]["chunks"] or {"laid_out": None, "total": None}
    shutil.rmtree(project / "build")
    paper_cold, _ = build(project, "paperback")
    # The same ebook without the paperback's page list, which otherwise needs the paperback laid out again.
    plain = make(work / "book-1x-no-page-list", args.words, 30)
    book_yaml = plain / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("page_list_from: paperback", ""), encoding="utf-8")
    build(plain, "ebook")
    edit_one_scene(plain)
    plain_epub_edit, _ = build(plain, "ebook")
    print("3. one scene edited")
    print(f"   EPUB rebuilt in {plain_epub_edit:.2f} s (goal < 1.5 s); with the paperback's page list {epub_edit:.1f} s"
          " (the paperback is laid out again to place the page breaks)")
    print(f"   paperback {paper_edit:.1f} s vs cold {paper_cold:.1f} s = {100 * paper_edit / paper_cold:.0f}% (goal < 35%);"
          f" chunks laid out again: {counts['laid_out']} of {counts['total']}")

    print("4. scaling (cold, --jobs 2, all editions)")
    base = None
    for scale in (float(s) for s in args.scales.split(",")):
        scaled = make(work / f"book-{scale:g}x", int(args.words * scale), int(30 * scale))
        seconds, peak = build(scaled, "--jobs", "2")
        total_pages = sum(e["pages"] or 0 for e in report(scaled).values())
        base = base or (seconds, total_pages)
        print(f"   {scale:g}x: {total_pages:5d} pages  {seconds:6.1f} s  time x{seconds / base[0]:.2f} for pages "
              f"x{total_pages / base[1]:.2f}   peak {peak:.0f} MB")

    if args.skip_pandoc or not shutil.which("pandoc"):
        print("5. Pandoc: skipped" + ("" if args.skip_pandoc else " (install Debian's pandoc)"))
        return
    markdown = markdown_of(plain)
    pandoc_epub, _ = run(["pandoc", str(markdown), "-o", str(work / "pandoc.epub")])
    os.environ["PATH"] = f"{BIN}:{os.environ['PATH']}"  # Pandoc runs the `weasyprint` command of this venv
    pandoc_pdf, _ = run(["pandoc", str(markdown), "-o", str(work / "pandoc.pdf"), "--pdf-engine=weasyprint"])
    # Like for like: the ebook without the paperback's page list (which needs the paperback laid out).
    shutil.rmtree(plain / "build", ignore_errors=True)
    bf_epub_cold, _ = build(plain, "ebook")
    edit_one_scene(plain)
    bf_epub_warm, _ = build(plain, "ebook")
    version = subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"5. against {version}")
    print(f"   EPUB: Pandoc {pandoc_epub:.2f} s; bookforge cold {bf_epub_cold:.2f} s (x{bf_epub_cold / pandoc_epub:.2f}),"
          f" after one edit {bf_epub_warm:.2f} s (x{bf_epub_warm / pandoc_epub:.2f})")
    print(f"   PDF: Pandoc + WeasyPrint {pandoc_pdf:.1f} s (plain styling, no running heads or page-numbered TOC)")


if __name__ == "__main__":
    main()
