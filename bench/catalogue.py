"""Catalogue figures for issue 19, as ratios measured in one run (these machines are noisy).

    PYTHONPATH=src .venv/bin/python bench/catalogue.py [--books 20] [--scale 1] [--jobs N] [--work DIR]

A catalogue of generated books of mixed lengths (four editions each: ebook with the paperback's page list,
paperback, large print, pocket) under a house print layout. Every build runs the command line in a subprocess, so
times include start-up; each run starts from copies without build folders or store. Figures printed:
  1. `bookforge catalogue build` (the embedded default) vs `bookforge build` in a loop over the books
                                                                         (goal: ratio <= 0.6)
  2. the same on a Dask LocalCluster vs the embedded default              (goal: ratio <= 1.1)
  3. a no-op catalogue rebuild                                            (goal: < 2 s)
  4. after a house style change: the catalogue's time per book
  5. on paper: 300 such titles, and 300 of 85,000 words, on 1, 8 and 32 workers, from the task times measured
  6. one long print edition's task after a house style change (its chunks laid out again, ahead from the last
     build's plan) on a LocalCluster of 2 workers, its chunks spread over both, vs one of 1 worker (warm workers)
The outputs of 1 and 2 are compared with the loop's, byte for byte, and those of 6 with each other. --scale 4 makes
books four times longer; --books 60 a larger catalogue; --only-long runs figure 6 alone.
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
from make_manuscript import make

LENGTHS = (1000, 2000, 4000, 1500, 3000)
"""Words of each book, in turn (times --scale)."""
SAMPLE_WORDS, SAMPLE_SECONDS = 85_000, 40.0
"""The issue's figure: ~40 s of CPU for the four editions of an 85,000-word book."""


CPU: dict[str, float] = {}
"""Processor seconds of each kind of run (the command and every worker it started)."""


def bookforge(*args: str, cwd: Path, run: str) -> float:
    """Wall seconds of one command; its processor time (workers included) is added to CPU[run]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bookforge", *args], cwd=cwd, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[run] = CPU.get(run, 0.0) + after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"failed: bookforge {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return seconds


def make_catalogue(root: Path, books: int, scale: float) -> Path:
    root.mkdir(parents=True)
    names = []
    for index in range(books):
        words = int(LENGTHS[index % len(LENGTHS)] * scale)
        name = f"book-{index + 1:02d}"
        folder = make(root / "books" / name, words, max(2, words // 1500))
        path = folder / "manuscript" / "book.yaml"
        book = yaml.safe_load(path.read_text())
        book["metadata"]["title"] = f"Title {index + 1}"
        path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
        names.append(f"books/{name}")
    house = root / "house" / "print"
    (house / "styles").mkdir(parents=True)
    (house / "layout.yaml").write_text("extends: print\nsettings:\n  chapter_opening: plain\n")
    (house / "styles" / "house.css").write_text("h1 { letter-spacing: 0.02em; }\n")
    (root / "catalogue.yaml").write_text(yaml.safe_dump({"books": names, "house": "house"}))
    return root


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.glob("books/*/build/*/*"))
            if p.suffix in (".pdf", ".epub")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every book's length")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=None, help="where to make the catalogues (default: a temp dir)")
    parser.add_argument("--long-words", type=int, default=40_000, help="the long edition's words (figure 6)")
    parser.add_argument("--only-long", action="store_true", help="figure 6 alone")
    args = parser.parse_args()
    # The commands run in the catalogues' folders: a relative PYTHONPATH (`PYTHONPATH=src`) must not break them.
    paths = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(path).resolve()) for path in paths.split(os.pathsep) if path)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
    os.environ.setdefault("BOOKFORGE_STORE_KEY", "bench")
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-catalogue-bench-"))
    if args.only_long:
        long_edition(work, args.long_words)
        return
    source = make_catalogue(work / "source", args.books, args.scale)
    copies = {}
    for run in ("loop", "embedded", "cluster"):
        copies[run] = work / run
        shutil.copytree(source, copies[run])
    jobs = str(args.jobs)
    print(f"{args.books} books x 4 editions, {sum(int(LENGTHS[i % len(LENGTHS)] * args.scale) for i in range(args.books)):,}"
          f" words in all; {jobs} jobs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)

    loop = sum(bookforge("build", "-q", "-j", jobs, "-C", f"books/{b.name}", cwd=copies["loop"], run="loop")
               for b in sorted((copies["loop"] / "books").iterdir()))
    embedded = bookforge("catalogue", "build", "-q", "-j", jobs, cwd=copies["embedded"], run="embedded")
    first = json.loads((copies["embedded"] / "build" / "catalogue-report.json").read_text())
    cluster = bookforge("catalogue", "build", "-q", "-j", jobs, "--engine", "cluster", cwd=copies["cluster"],
                        run="cluster")
    same = outputs(copies["loop"]) == outputs(copies["embedded"]) == outputs(copies["cluster"])
    noop = bookforge("catalogue", "build", "-q", "-j", jobs, cwd=copies["embedded"], run="no-op")
    report = json.loads((copies["embedded"] / "build" / "catalogue-report.json").read_text())
    css = copies["embedded"] / "house" / "print" / "styles" / "house.css"
    css.write_text("h1 { letter-spacing: 0.05em; }\n")
    restyled = bookforge("catalogue", "build", "-q", "-j", jobs, cwd=copies["embedded"], run="restyled")
    after = json.loads((copies["embedded"] / "build" / "catalogue-report.json").read_text())

    print(f"1. per-project loop {loop:.1f} s; catalogue, embedded default {embedded:.1f} s: "
          f"ratio {embedded / loop:.2f} (goal <= 0.6)")
    print(f"2. catalogue on a LocalCluster {cluster:.1f} s: ratio to the embedded default {cluster / embedded:.2f} "
          f"(goal <= 1.1); outputs identical to the per-project builds: {same}")
    print(f"3. no-op catalogue rebuild {noop:.2f} s, {CPU['no-op']:.2f} s of CPU (goal < 2 s; "
          f"{report['tasks_run']} tasks run)")
    rebuilt = sum(e["origin"] == "built" for b in after["books"] for e in b["editions"])
    print(f"4. after a house style change: {restyled:.1f} s, {restyled / args.books:.2f} s a book "
          f"({rebuilt} editions rebuilt: the print editions and the ebooks carrying their page lists)")
    print("   processor time (the command and its workers): " + ", ".join(f"{run} {cpu:.1f} s"
                                                                        for run, cpu in CPU.items()))
    tasks = [e["cpu_seconds"] for b in first["books"] for e in b["editions"] if e["origin"] == "built"]
    per_title = sum(tasks) / args.books
    print(f"5. task CPU: {sum(tasks):.1f} s for {len(tasks)} editions, {per_title:.2f} s a title; the longest "
          f"edition {max(tasks):.1f} s")
    # A title's task time as a fixed part and a part per word, fitted over the books' mixed lengths; an edition is
    # not split across workers (yet), so the longest one (its share of its book, measured here) bounds the wall.
    books = [(max(e["words"] for e in b["editions"]), sum(e["cpu_seconds"] for e in b["editions"]),
              max(e["cpu_seconds"] for e in b["editions"])) for b in first["books"]]
    fixed, per_word = _fit([w for w, _, _ in books], [t for _, t, _ in books])
    share = max(books)[2] / max(books)[1]
    long_title = fixed + per_word * SAMPLE_WORDS
    print(f"   a title's task time ~ {fixed:.2f} s + {per_word * 1000:.3f} s per 1,000 words; the longest book's "
          f"longest edition is {share:.0%} of it")
    for label, per in (("of these titles", per_title), ("85,000-word titles from this fit", long_title),
                       ("85,000-word titles at the issue's 40 s", SAMPLE_SECONDS)):
        longest = share * per
        line = ", ".join(f"{w} worker{'s' if w > 1 else ''}: {_duration(max(300 * per / w, longest))}"
                         for w in (1, 8, 32))
        print(f"   300 {label} ({per:.1f} s each, longest edition ~{longest:.0f} s): {line}")
    long_edition(work, args.long_words)


def long_edition(work: Path, words: int) -> None:
    """Figure 6: the paperback of one long book, built once (its chunks and their plan in the catalogue's store),
    restyled and built again from copies on LocalClusters of 1 worker and of 2 (its chunks spread over both), twice
    each, in turn. The workers are started and WeasyPrint imported in them before the clock starts: the figure is the
    edition's task, not a cluster's start-up (figure 2 has that)."""
    from distributed import Client, LocalCluster

    from bookforge.catalogue.build import Settings, build_catalogue, store_location
    from bookforge.catalogue.file import load_catalogue

    source = work / "long-source"
    folder = make(source / "books" / "long", words, max(2, words // 2500))
    path = folder / "manuscript" / "book.yaml"
    book = yaml.safe_load(path.read_text())
    book["editions"] = {"paperback": book["editions"]["paperback"]}
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
    house = source / "house" / "print"
    (house / "styles").mkdir(parents=True)
    (house / "layout.yaml").write_text("extends: print\nsettings:\n  chapter_opening: plain\n")
    (house / "styles" / "house.css").write_text("h1 { letter-spacing: 0.02em; }\n")
    (source / "catalogue.yaml").write_text(yaml.safe_dump({"books": ["books/long"], "house": "house"}))
    bookforge("catalogue", "build", "-q", "-j", "1", cwd=source, run="long, first build")
    (house / "styles" / "house.css").write_text("h1 { letter-spacing: 0.05em; }\n")
    seconds: dict[int, list[float]] = {1: [], 2: []}
    made = []
    for attempt, workers in enumerate((1, 2, 1, 2)):
        copy = work / f"long-{attempt}"
        shutil.copytree(source, copy)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("weasyprint"))
            before = client.run(_cpu)
            catalogue = load_catalogue(copy)  # its store, named: the first build's plan is there
            report = build_catalogue(catalogue, Settings(scheduler=cluster.scheduler_address,
                                                         store=store_location(catalogue, Settings())))
            after = client.run(_cpu)
        (edition,) = report.books[0].editions
        seconds[workers].append(edition.seconds)
        made.append(outputs(copy))
        cpu = ", ".join(f"{after[w] - before[w]:.1f}" for w in before)
        print(f"6. one {words:,}-word paperback ({edition.pages} pages) restyled, on {workers} worker(s): its task "
              f"{edition.seconds:.1f} s, processor time per worker {cpu} s; {edition.chunks}", flush=True)
    ratios = ", ".join(f"{two / one:.2f}" for one, two in zip(seconds[1], seconds[2]))
    print(f"   its task on 2 workers vs 1: {ratios}; the same bytes: {all(m == made[0] for m in made)}; load average "
          f"{os.getloadavg()[0]:.1f}")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares: y = a + b x."""
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / spread if spread else 0.0
    return my - b * mx, b


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


if __name__ == "__main__":
    main()
