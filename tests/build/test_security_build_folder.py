"""bookforge's own folders (build/ and below, or `-o DIR`): no symbolic link in them is followed for a write or a
delete, only files bookforge made are deleted, and `clean` never pulls the lock from under a build."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bookforge.build import cache_key
from bookforge.build.lock import LOCK_FILE, build_lock
from bookforge.build.orchestrate import build
from bookforge.errors import BookforgeError
from bookforge.print.proof import make_proof
from tests.books import REPO

PRECIOUS = b"someone's own file\n"


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "key" / "cache.key"))


def precious_folder(tmp_path: Path) -> Path:
    """A folder of the user's that a link in build/ points at, with files of the names bookforge uses."""
    folder = tmp_path / "precious"
    folder.mkdir()
    for name in ("a.txt", "spread-001.png", "index.html", ".lock", "state.json", "x.html", "x.json",
                 "a-million-miles-away.epub", ".a-million-miles-away.epub.abcd1234.tmp"):
        (folder / name).write_bytes(PRECIOUS)
    for shard in ("ab", "cd"):
        (folder / shard).mkdir()
        (folder / shard / f"{shard}0123.json").write_bytes(PRECIOUS)
        (folder / shard / f"{shard}0123.html").write_bytes(PRECIOUS)
    return folder


def untouched(folder: Path) -> bool:
    return all(p.read_bytes() == PRECIOUS for p in folder.rglob("*") if p.is_file()) and \
        len([p for p in folder.rglob("*") if p.is_file()]) == 13


def _problem(excinfo, link: Path) -> None:
    (problem,) = excinfo.value.diagnostics
    assert problem.code == "not-followed" and problem.location.file == str(link)


@pytest.mark.parametrize("link", ["build", "build/ebook", "build/.cache", "build/.cache/fragments",
                                  "build/.cache/fragments/*", "build/.cache/chunks/paperback",
                                  "build/.cache/pagemaps", "build/paperback"])
def test_a_linked_folder_in_build_is_refused_and_its_target_left_alone(sample_project, tmp_path, link):
    build(sample_project, ["ebook", "paperback"])  # a build folder with everything in it, then one folder linked
    target = precious_folder(tmp_path)
    if link.endswith("*"):  # one shard of the store
        link = next((sample_project / link[:-2]).iterdir()).relative_to(sample_project).as_posix()
    path = sample_project / link
    if path.exists():
        os.rename(path, tmp_path / "old")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target, target_is_directory=True)
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["ebook", "paperback"], force=True)  # everything made and written again
    assert untouched(target)
    assert path.is_symlink()
    assert all(d.code == "not-followed" for d in excinfo.value.diagnostics)


def test_a_linked_lock_file_is_refused_not_truncated(sample_project, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_bytes(PRECIOUS)
    (sample_project / "build").mkdir()
    (sample_project / "build" / LOCK_FILE).symlink_to(target)
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["ebook"])
    _problem(excinfo, sample_project / "build" / LOCK_FILE)
    assert target.read_bytes() == PRECIOUS


@pytest.mark.parametrize("name", ["a-million-miles-away.epub", "report.json"])
def test_an_output_that_is_a_link_is_replaced_not_written_through(sample_project, tmp_path, name):
    target = tmp_path / "precious.txt"
    target.write_bytes(PRECIOUS)
    folder = sample_project / "build" / ("ebook" if name.endswith(".epub") else "")
    folder.mkdir(parents=True)
    (folder / name).symlink_to(target)
    build(sample_project, ["ebook"])
    assert target.read_bytes() == PRECIOUS
    assert not (folder / name).is_symlink() and (folder / name).stat().st_size > 100


def test_a_linked_proof_folder_is_refused_and_its_target_left_alone(built_sample, tmp_path):
    target = precious_folder(tmp_path)
    edition = tmp_path / "paperback"
    edition.mkdir()
    (edition / "proof").symlink_to(target, target_is_directory=True)
    with pytest.raises(BookforgeError) as excinfo:
        make_proof(built_sample["paperback"].path, edition / "proof", dpi=20)
    _problem(excinfo, edition / "proof")
    assert untouched(target)


def test_a_proof_replaces_only_its_own_pictures_and_no_link_is_written_through(built_sample, tmp_path):
    target = precious_folder(tmp_path)
    proof = tmp_path / "paperback" / "proof"
    proof.mkdir(parents=True)
    (proof / "notes.png").write_bytes(PRECIOUS)  # not a name a proof writes: kept
    (proof / "spread-001.png").symlink_to(target / "spread-001.png")
    (proof / "index.html").symlink_to(target / "index.html")
    (proof / "spread-999.png").write_bytes(PRECIOUS)  # a proof's own, from a longer book: removed
    index = make_proof(built_sample["paperback"].path, proof, dpi=20)
    assert untouched(target)
    assert (proof / "notes.png").read_bytes() == PRECIOUS and not (proof / "spread-999.png").exists()
    assert not index.is_symlink() and b"<html" in index.read_bytes()
    assert not (proof / "spread-001.png").is_symlink()


def test_the_output_folder_keeps_files_bookforge_did_not_make(sample_project, tmp_path):
    output = tmp_path / "downloads"
    others = [output / ".notes.txt.abcd1234.tmp", output / "x.tmp", output / ".x.tmp",
              output / "photos" / ".holiday.jpg.abcd1234.tmp", output / "ebook" / ".draft.docx.abcd1234.tmp",
              output / "ebook" / "proof" / ".index.htm.abcd1234.tmp"]
    own = [output / ".report.json.abcd1234.tmp", output / "ebook" / ".a-million-miles-away.epub.k1ll3d_x.tmp",
           output / ".cache" / "fragments" / "ab" / ".ab12.html.abcd1234.tmp"]
    for path in others + own:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PRECIOUS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".a.epub.abcd1234.tmp").write_bytes(PRECIOUS)
    (output / "paperback").symlink_to(elsewhere, target_is_directory=True)  # an edition folder that is a link
    (output / ".cache" / "chunks").mkdir()
    (output / ".cache" / "chunks" / "pocket").symlink_to(elsewhere, target_is_directory=True)
    build(sample_project, ["ebook"], output)
    assert [p for p in others if not p.exists()] == []
    assert [p for p in own if p.exists()] == []
    assert (elsewhere / ".a.epub.abcd1234.tmp").read_bytes() == PRECIOUS


def _run_clean(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "bookforge", "clean", "-C", str(project)], env=env,
                          capture_output=True, text=True, timeout=120)


def test_clean_while_a_build_runs_is_refused(sample_project):
    build(sample_project, ["ebook"])
    output = sample_project / "build"
    held, release = threading.Event(), threading.Event()

    def a_build() -> None:
        with build_lock(output):  # as a running build holds it
            held.set()
            release.wait(60)

    thread = threading.Thread(target=a_build)
    thread.start()
    try:
        held.wait(30)
        done = _run_clean(sample_project)
        assert done.returncode == 1 and "error[build-running]" in done.stderr, done.stderr
        assert (output / LOCK_FILE).is_file() and list((output / "ebook").glob("*.epub"))
        # ... so a second build still finds the lock taken.
        with pytest.raises(BookforgeError) as excinfo:
            build(sample_project, ["ebook"], force=True)
        assert excinfo.value.diagnostics[0].code == "build-running"
    finally:
        release.set()
        thread.join()
    done = _run_clean(sample_project)
    assert done.returncode == 0 and not output.exists()


def test_clean_removes_a_linked_build_folder_not_what_it_points_to(sample_project, tmp_path):
    target = precious_folder(tmp_path)
    (sample_project / "build").symlink_to(target, target_is_directory=True)
    done = _run_clean(sample_project)
    assert done.returncode == 0, done.stderr
    assert not (sample_project / "build").exists() and not (sample_project / "build").is_symlink()
    assert untouched(target)
