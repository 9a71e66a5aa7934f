"""Issue 18's speed goals, every ratio in one run (`make bench`, ~14 minutes on 2 cores).

    .venv/bin/python bench/goals.py [--words 85000] [--epub-runs 3] [--work DIR]

1. EPUB cold against Pandoc 3 and the floor, and goal 5's no-op and one scene: bench/epub_speed.py
2-4. print: a cold edition and a restyled one on both cores against one, on every book of bench/; the paperback
   against Pandoc -> WeasyPrint, bookforge's share over raw WeasyPrint, Typst's pages a second; a book whose
   page estimate picks the wrong gutter band: bench/print_speed.py
5. print's part of goal 5, here: one scene edited against the cold paperback (goal < 15%), and 4x the content at
   `--jobs 1` (goal: within 4.2x the time, < 500 MB at its peak)
Each part prints its own figures as it goes; the parts run one after the other, so that none loads the machine
under another's measures.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_build import build, edit_one_scene, report  # noqa: E402
from make_manuscript import make  # noqa: E402

HERE = Path(__file__).parent
GOAL_EDIT_SHARE = 0.15
GOAL_SCALE_TIME = 4.2
GOAL_PEAK_MB = 500


def print_edits_and_scale(work: Path, words: int) -> None:
    """Goal 5 for print: a scene edited (default --jobs) against the cold paperback; 1x and 4x at --jobs 1."""
    project = make(work / "edits-1x", words, 30)
    cold, _ = build(project, "paperback", "--jobs", "1")
    pages = report(project)["paperback"]["pages"]
    edit_one_scene(project)
    edited, _ = build(project, "paperback")
    counts = report(project)["paperback"]["chunks"] or {}
    print(f"5. one scene edited: paperback {edited:.1f} s against its cold {cold:.1f} s: "
          f"{edited / cold:.0%} (goal < {GOAL_EDIT_SHARE:.0%}; {counts.get('laid_out')} of {counts.get('total')} "
          "chunks laid out again)", flush=True)
    large = make(work / "edits-4x", words * 4, 120)
    seconds, peak = build(large, "paperback", "--jobs", "1")
    large_pages = report(large)["paperback"]["pages"]
    print(f"   4x the content at --jobs 1: {large_pages} pages in {seconds:.1f} s against {pages} in {cold:.1f} s: "
          f"time x{seconds / cold:.2f} for pages x{large_pages / pages:.2f} (goal <= x{GOAL_SCALE_TIME}); "
          f"peak {peak:.0f} MB (goal < {GOAL_PEAK_MB})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=85_000, help="words in the generated book (30 chapters)")
    parser.add_argument("--epub-runs", type=int, default=3, help="interleaved rounds of the EPUB measures")
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated books (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-goals-"))
    started = time.perf_counter()
    words = ["--words", str(args.words)]
    subprocess.run([sys.executable, str(HERE / "epub_speed.py"), "--runs", str(args.epub_runs), "--work",
                    str(work / "epub"), *words], check=True)
    print(flush=True)
    subprocess.run([sys.executable, str(HERE / "print_speed.py"), "--work", str(work / "print"), *words], check=True)
    print(flush=True)
    print_edits_and_scale(work / "edits", args.words)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
