"""EPUB speed for issue 18 (goals 1 and 5), as ratios measured in one run of interleaved processes.

    .venv/bin/python bench/epub_speed.py [--runs 7] [--words 85000] [--work DIR] [--baseline SRC]

Each round runs, one after the other, as separate processes started the way a user starts them:
  - bookforge cold, new user: `bookforge build ebook` on the 85,000-word, 30-chapter book of make_manuscript.py (no
    page list) with no build/ folder and a user's cache of its own (BOOKFORGE_CACHE_KEY_FILE): nothing reused, the
    cover drawn (on the second core), the fonts read whole;
  - bookforge cold: the same with the user's shared store of earlier builds (a fresh clone of a book on a machine
    that built it, or any book with the same cover and faces): the drawn cover and the fonts' maps reused;
  - bookforge, every chapter changed: build/ kept from the last round, a word changed in every chapter, so every
    part is rendered again and only the drawn cover comes from the cache;
  - Pandoc 3 (PyPI pypandoc-binary, the `bench` extra) on the same text as one Markdown file, to EPUB;
  - Debian's Pandoc (2.17) the same way, when it is installed;
  - the floor: a Python process that reads the same YAML files (libyaml), turns every text into HTML with
    markdown-it-py and zips one XHTML file per chapter;
  - a no-op build and one scene edited (goal 5: each < 0.5 s);
  - the same builds in one warm process (bookforge's build() called again, as `bookforge preview` rebuilds): what is
    left once start-up and imports are paid;
  - the EPUB's writing step in this process: write_epub (ebooklib, then bookforge's reproducible zip) against
    zipfile alone writing the same entries at the same level.
Medians of wall and CPU time (user + system of the process and its children) are printed, and their ratios.
With `--baseline SRC` (the src/ folder of another bookforge, e.g. after `git archive main | tar -x -C /tmp/old`),
the same four builds of that bookforge are interleaved with this one's, on a copy of the book: before/after ratios
that the machine's load skews far less than figures of separate runs. 7 rounds take 3-5 minutes.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_build import edit_one_scene, markdown_of  # noqa: E402
from make_manuscript import make  # noqa: E402

BIN = Path(sys.executable).parent
BOOKFORGE = str(BIN / "bookforge")
GOAL_PANDOC = 0.33  # EPUB cold over Pandoc 3
GOAL_FLOOR = 2.0  # EPUB cold over the floor
GOAL_SECONDS = 0.5  # no-op, and one scene edited


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(args, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{completed.stdout}\n{completed.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def ebook_only(folder: Path, words: int) -> Path:
    """The benchmark's book of `words` words in 30 chapters, its ebook without the paperback's page list."""
    project = make(folder, words, 30)
    book_yaml = project / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("page_list_from: paperback", ""), encoding="utf-8")
    return project


def change_every_chapter(project: Path, round_: int) -> None:
    """A different word in every chapter's first text each round: every part is rendered again."""
    for path in sorted((project / "manuscript").glob("*-chapter.yaml")):
        text = path.read_text(encoding="utf-8")
        marker = "text: "
        start = text.index(marker) + len(marker)
        if text.startswith("Round ", start):
            text = text[:start] + text[text.index(" ", start + 6) + 1:]
        path.write_text(text[:start] + f"Round {round_} " + text[start:], encoding="utf-8")


BUILDS = ("cold, new user", "cold", "all chapters", "no-op", "one scene")


def bookforge_round(project: Path, env: dict[str, str], round_: int) -> dict[str, tuple[float, float]]:
    """The builds of `project`'s ebook (BUILDS), each a `bookforge build` process: wall and CPU seconds by name."""
    build = [BOOKFORGE, "build", "-q", "-C", str(project), "ebook"]
    shutil.rmtree(project / "build", ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bookforge-user-") as user:
        times = {"cold, new user": timed(build, {**env, "BOOKFORGE_CACHE_KEY_FILE": f"{user}/cache.key"})}
    shutil.rmtree(project / "build")
    times["cold"] = timed(build, env)
    change_every_chapter(project, round_)
    times["all chapters"] = timed(build, env)
    times["no-op"] = timed(build, env)
    edit_one_scene(project)
    times["one scene"] = timed(build, env)
    return times


def warm_rounds(project: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Builds of `project`'s ebook in this process, after its first: every chapter changed, a no-op, one scene."""
    from bookforge.build.orchestrate import build

    def timed_build() -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        build(project, ["ebook"])
        return time.perf_counter() - wall, time.process_time() - cpu

    build(project, ["ebook"])
    times: dict[str, list[tuple[float, float]]] = {"warm: all chapters": [], "warm: no-op": [], "warm: one scene": []}
    for round_ in range(runs):
        change_every_chapter(project, round_)
        times["warm: all chapters"].append(timed_build())
        times["warm: no-op"].append(timed_build())
        edit_one_scene(project)
        times["warm: one scene"].append(timed_build())
    return times


def zip_share(project: Path, runs: int) -> tuple[float, float, int]:
    """CPU seconds of write_epub for `project`'s ebook, and of zipfile alone writing the same entries (level 9, as
    bookforge's own zip pass): what ebooklib and the EPUB's package cost beyond the zip itself. Medians."""
    import io
    import zipfile
    from datetime import UTC, datetime

    from bookforge.covers import ebook_cover
    from bookforge.epub.writer import write_epub
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    loaded = load_project(project)
    book, layout, modified = loaded.book, loaded.layouts["ebook"], datetime(2026, 1, 1, tzinfo=UTC)
    rendition, cover = render(book, "ebook", layout), ebook_cover(book, "ebook", layout, modified).image()
    written = zipfile.ZipFile(io.BytesIO(write_epub(rendition, modified, cover)))
    entries = [(info, written.read(info)) for info in written.infolist()]

    def zip_alone() -> None:
        with zipfile.ZipFile(io.BytesIO(), "w") as archive:
            for info, body in entries:
                archive.writestr(info, body, compresslevel=9)

    def cpu(work) -> float:
        times = []
        for _ in range(runs):
            started = time.process_time()
            work()
            times.append(time.process_time() - started)
        return statistics.median(times)

    return cpu(lambda: write_epub(rendition, modified, cover)), cpu(zip_alone), len(entries)


def median(values: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(v[0] for v in values), statistics.median(v[1] for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--words", type=int, default=85_000)
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated book (default: temp)")
    parser.add_argument("--baseline", type=Path, default=None, help="src/ of another bookforge to compare with")
    args = parser.parse_args()
    import pypandoc

    work = args.work or Path(tempfile.mkdtemp(prefix="bookforge-epub-speed-"))
    project = ebook_only(work / "book", args.words)
    markdown = markdown_of(project)
    # As a user's installed bookforge runs: from compiled bytecode (a venv's pip compiles it).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    commands = {
        "pandoc3": [pypandoc.get_pandoc_path(), str(markdown), "-o", str(work / "pandoc3.epub")],
        "floor": [sys.executable, str(Path(__file__).parent / "epub_floor.py"), str(project), str(work / "floor.zip")],
    }
    if shutil.which("pandoc"):
        commands["pandoc2"] = ["pandoc", str(markdown), "-o", str(work / "pandoc2.epub")]
    versions = {name: subprocess.run([command[0], "--version"], capture_output=True, text=True).stdout.split("\n")[0]
                for name, command in commands.items() if name.startswith("pandoc")}
    print(f"EPUB speed ({os.cpu_count()} cores, Python {sys.version.split()[0]}, {', '.join(versions.values())}); "
          f"book in {project}\n")
    subjects = {"": (project, env)}
    if args.baseline:
        baseline_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
        subjects["baseline: "] = (ebook_only(work / "baseline", args.words), baseline_env)
    times: dict[str, list[tuple[float, float]]] = {prefix + name: [] for prefix in subjects for name in BUILDS}
    times.update({name: [] for name in commands})
    for book, book_env in subjects.values():
        # Compiles bookforge's bytecode and warms the file cache, as any installed program's earlier runs have.
        timed([BOOKFORGE, "build", "-q", "-C", str(book), "ebook"], book_env)
    for round_ in range(args.runs):
        for prefix, (book, book_env) in sorted(subjects.items(), reverse=round_ % 2 == 1):  # neither always first
            for name, seconds in bookforge_round(book, book_env, round_).items():
                times[prefix + name].append(seconds)
        for name, command in commands.items():
            times[name].append(timed(command, env))
    warm_book = ebook_only(work / "warm", args.words)
    times.update(warm_rounds(warm_book, args.runs))
    writing, zipping, entries = zip_share(warm_book, args.runs)
    medians = {name: median(values) for name, values in times.items()}
    print(f"medians of {args.runs} interleaved rounds       wall s   CPU s")
    for name, (wall, cpu) in medians.items():
        print(f"   {name:36} {wall:6.2f}  {cpu:6.2f}")

    def ratio(name: str, anchor: str, goal: float) -> None:
        (wall, cpu), (anchor_wall, anchor_cpu) = medians[name], medians[anchor]
        verdict = "met" if max(wall / anchor_wall, cpu / anchor_cpu) <= goal else "NOT met"
        print(f"   {name:14} / {anchor:8}  wall x{wall / anchor_wall:.2f}  CPU x{cpu / anchor_cpu:.2f}"
              f"   (goal <= {goal}: {verdict})")

    print("\n1. EPUB cold against Pandoc 3 and the floor (YAML + Markdown + zip)")
    for name in ("cold, new user", "cold", "all chapters"):
        ratio(name, "pandoc3", GOAL_PANDOC)
        ratio(name, "floor", GOAL_FLOOR)
        if "pandoc2" in medians:
            print(f"   {name:14} / pandoc2   wall x{medians[name][0] / medians['pandoc2'][0]:.2f}"
                  f"  CPU x{medians[name][1] / medians['pandoc2'][1]:.2f}")
    if args.baseline:
        print("   this bookforge over the baseline's")
        for name in BUILDS:
            (wall, cpu), (before_wall, before_cpu) = medians[name], medians[f"baseline: {name}"]
            print(f"   {name:13} wall x{wall / before_wall:.2f}  CPU x{cpu / before_cpu:.2f}")
    cold, new, kept = medians["cold"], medians["cold, new user"], medians["all chapters"]
    print(f"   cold, new user - cold (the cover drawn, fonts read whole)  wall {new[0] - cold[0]:.2f} s  "
          f"CPU {new[1] - cold[1]:.2f} s")
    print(f"   cold - all chapters (parts, book face kept in build/)  wall {cold[0] - kept[0]:.2f} s  "
          f"CPU {cold[1] - kept[1]:.2f} s")
    print(f"   writing the EPUB: write_epub {writing * 1000:.0f} ms CPU; zipfile alone, the same {entries} entries "
          f"at level 9: {zipping * 1000:.0f} ms")
    print("5. kept fast (wall)")
    for name in ("no-op", "one scene", "warm: no-op", "warm: one scene"):
        wall = medians[name][0]
        print(f"   {name:13} {wall:.2f} s   (goal < {GOAL_SECONDS} s: {'met' if wall < GOAL_SECONDS else 'NOT met'})")


if __name__ == "__main__":
    main()
