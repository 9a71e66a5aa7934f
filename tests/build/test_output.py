"""Nothing is lost: a killed, refused or failed build leaves the last good book byte for byte; clear file errors."""

from __future__ import annotations

import errno
import os
import random
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from bookforge.build.orchestrate import build
from bookforge.build.output import file_system_problem
from tests.books import TINY_CHAPTER, tiny_project


def test_a_project_path_with_spaces_and_non_ascii_characters_builds(tmp_path: Path):
    root = tiny_project(tmp_path / "Mes livres" / "L’été à Zürich — 夏")

    (result,) = build(root, ["ebook"])

    assert zipfile.ZipFile(result.path).testzip() is None


@pytest.fixture
def read_only_folder(tmp_path: Path):
    """A folder nobody may write to: chmod for a normal user, a read-only mount for root (who ignores modes)."""
    made: list[Path] = []

    def make(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            folder.chmod(0o555)
        elif subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                            capture_output=True).returncode != 0:
            pytest.skip("running as root and cannot mount a read-only tmpfs")
        made.append(folder)
        return folder

    yield make
    for folder in made:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_read_only_build_folder_is_a_clear_error(tmp_path: Path, cli, read_only_folder):
    root = tiny_project(tmp_path / "project")
    read_only_folder(root / "build")

    result = cli("build", "-C", root, "-j", "1", "ebook")

    assert result.exit_code == 1
    assert "error[cannot-write]: bookforge may not write here" in result.stderr
    assert "hint: make the folder writable, or write elsewhere with `-o DIR`" in result.stderr



def _build_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bookforge", "build", "-C", str(root), "-q", "-j", "1", "--force", *args]


def _leftovers(folder: Path, good: set[str]) -> list[str]:
    """Files in an edition folder other than the good outputs and write_atomically's temporaries."""
    return [p.name for p in folder.iterdir() if p.name not in good and not
            (p.name.startswith(".") and p.name.endswith(".tmp"))]


def _timed_build(root: Path, edition: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(_build_command(root, edition), check=True, env=env)
    return time.perf_counter() - started


def _kill_repeatedly(root: Path, edition: str, output: Path, least: int, most: int,
                     budget: float) -> tuple[int, int]:
    """SIGKILL `bookforge build EDITION` at random moments; after each, the last good output is byte for byte there.
    Returns (builds killed, builds started): at least `least`, then as many as `budget` seconds allow, at most
    `most` (a busy machine, such as a parallel test run, allows fewer in the budget)."""
    good = output.read_bytes()
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ["SOURCE_DATE_EPOCH"]}
    # The quickest of two builds: the first can be slowed by a cold start, and a kill aimed past the end kills nothing.
    full = min(_timed_build(root, edition, env) for _ in range(2))
    rng = random.Random(7)
    killed = attempts = 0
    deadline = time.perf_counter() + budget
    for attempt in range(most):
        if attempt >= least and time.perf_counter() > deadline:
            break
        attempts += 1
        started = time.perf_counter()
        process = subprocess.Popen(_build_command(root, edition), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # Most of a build is start-up and rendering; bias the kills towards its end, where the writing is.
        try:
            process.wait(timeout=full * rng.choice([rng.uniform(0, 1.1), rng.uniform(0.6, 1.05)]))
            # It finished before its kill came: builds are quicker now (a busy machine got idle), so aim sooner.
            full = min(full, time.perf_counter() - started)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed += process.returncode == -signal.SIGKILL
        assert output.read_bytes() == good, f"attempt {attempt}: the output changed or was truncated"
        assert _leftovers(output.parent, {output.name, output.name.replace(".pdf", "-cover.pdf")}) == []
    return killed, attempts


@pytest.mark.slow
def test_killing_epub_builds_at_random_moments_never_loses_the_last_good_book(tmp_path: Path, epubcheck):
    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["ebook"])

    killed, attempts = _kill_repeatedly(root, "ebook", result.path, least=8, most=24, budget=40)

    # Most builds must be killed mid-build (the rest finished before their kill came, which is fine too).
    assert killed >= 0.7 * attempts, (killed, attempts)
    subprocess.run(_build_command(root, "ebook"), check=True)
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]  # stale temporaries were removed
    assert epubcheck(result.path) == []


@pytest.mark.slow
def test_killing_pdf_builds_at_random_moments_never_loses_the_last_good_book(tmp_path: Path):
    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["paperback"])

    _kill_repeatedly(root, "paperback", result.path, least=3, most=6, budget=15)

    with pikepdf.open(result.path) as pdf:
        assert len(pdf.pages) == result.pages


def test_a_full_disk_is_a_clear_error_and_the_old_book_is_kept(tmp_path: Path):
    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["ebook"])
    good = result.path.read_bytes()
    (root / "manuscript" / "01-chapter.yaml").write_text(TINY_CHAPTER.replace("José", "Maria"), encoding="utf-8")

    def small_files() -> None:  # any file this build writes may grow to 4 KB, as on a nearly full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(_build_command(root, "ebook"), capture_output=True, text=True, preexec_fn=small_files)

    assert done.returncode == 1, done.stderr
    assert "error[disk-full]: the disk is full: File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert result.path.read_bytes() == good
    assert _leftovers(result.path.parent, {result.path.name}) == []
    assert not [p for p in result.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_file_that_cannot_be_read_while_building_is_named(tmp_path: Path):
    # An OSError about a file outside the output folder (a layout file whose permissions changed mid-build) is
    # not blamed on the output; as root no permission stops a read, so the error is made here.
    unreadable = tmp_path / "layouts" / "print" / "styles" / "print.css"
    error = PermissionError(errno.EACCES, "Permission denied", str(unreadable))

    problem = file_system_problem(error, tmp_path / "build")

    assert str(problem) == f"{unreadable}: error[cannot-read]: cannot read this file: Permission denied"
