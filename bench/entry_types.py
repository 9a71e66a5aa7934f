"""Declared entry types cost nothing noticeable (issue 14): a 1,000-entry dictionary's EPUB against the same text as
scenes, as one ratio measured in one run (these machines are noisy).

    .venv/bin/python bench/entry_types.py [--runs 5] [--work DIR]

Both books come from tests/dictionary.py: the dictionary declares its `word` type (sorted by headword,
grouped under letters, with references between entries, set by the generic template); the other book has the same
text as bookforge's own `scene` entries. Each is built from nothing (`bookforge build ebook` with no build/
folder, in a subprocess, start-up included) `--runs` times, the two alternating; the figure is the ratio of the medians, of CPU time (what the build
costs, whatever else the machine runs) and of wall time. Goal: within 1.2x.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.dictionary import make  # noqa: E402

GOAL = 1.2


def build(project: Path) -> tuple[float, float]:
    """CPU and wall seconds of one EPUB build from nothing (no output, no cache of rendered parts), in a
    subprocess."""
    shutil.rmtree(project / "build", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": "1764547200"}
    completed = subprocess.run([sys.executable, "-m", "bookforge", "build", "-q", "-j", "1", "-C",
                                str(project), "ebook"], capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise SystemExit(f"the build of {project} failed:\n{completed.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def stages(project: Path) -> tuple[float, float, float]:
    """CPU seconds of loading, rendering and packaging the EPUB in this process (the build without start-up, the
    cover and the writing of files), once warm."""
    sys.path.insert(0, str(REPO / "src"))
    from bookforge.epub.writer import write_epub
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    started = time.process_time()
    loaded = load_project(project)
    loaded_at = time.process_time()
    rendition = render(loaded.book, "ebook", loaded.layouts["ebook"])
    rendered_at = time.process_time()
    write_epub(rendition, datetime(2026, 1, 1, tzinfo=UTC), b"\xff\xd8\xff\xd9")
    return loaded_at - started, rendered_at - loaded_at, time.process_time() - rendered_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="where to write the two books (a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-entry-types-"))
    dictionary = make(work / "dictionary", print_editions=False)
    scenes = make(work / "scenes", as_scenes=True, print_editions=False)
    entries = sum(path.read_text(encoding="utf-8").count("\n- type: ")
                  for path in (dictionary / "manuscript").glob("0*.yaml"))
    build(dictionary), build(scenes)  # warm the disk cache and the .pyc files
    times: dict[str, list[tuple[float, float]]] = {"dictionary": [], "scenes": []}
    for _ in range(args.runs):
        times["dictionary"].append(build(dictionary))
        times["scenes"].append(build(scenes))
    cpu = {name: statistics.median(t[0] for t in runs) for name, runs in times.items()}
    wall = {name: statistics.median(t[1] for t in runs) for name, runs in times.items()}
    print(f"{entries} entries, {args.runs} builds of each EPUB (medians)")
    for name in times:
        print(f"  {name:<11} cpu {cpu[name]:6.2f} s   wall {wall[name]:6.2f} s")
    print("  in one process, cpu of load / render / package (least of the runs):")
    staged = {}
    for name, project in (("dictionary", dictionary), ("scenes", scenes)):
        runs = [stages(project) for _ in range(args.runs)]
        staged[name] = [min(run[i] for run in runs) for i in range(3)]
        print(f"  {name:<11} " + " / ".join(f"{t:.3f}" for t in staged[name]) + f" s = {sum(staged[name]):.3f} s")
    print(f"  stages: {sum(staged['dictionary']) / sum(staged['scenes']):.2f}x (the dictionary's YAML has about twice "
          "the nodes of the same text as scenes)")
    ratio = cpu["dictionary"] / cpu["scenes"]
    print(f"declared types over scenes: {ratio:.2f}x cpu, {wall['dictionary'] / wall['scenes']:.2f}x wall "
          f"(goal: within {GOAL}x) {'ok' if ratio <= GOAL else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
