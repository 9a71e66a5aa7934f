"""The catalogue on real workers: a Dask LocalCluster of two worker processes (and the embedded process pool).

Three tiny generated books, one with all four editions (an ebook carrying the paperback's page list), under a house
print layout; their per-project builds are the reference bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import threading
import time

import psutil
import pytest
from click.testing import CliRunner

from bookforge.build.cache import BuildState, Cache
from bookforge.build.orchestrate import build
from bookforge.catalogue.build import Settings, build_catalogue
from bookforge.catalogue.file import load_catalogue
from bookforge.catalogue.report import FROM_STORE
from bookforge.cli import main
from bookforge.project import load_project
from tests.books import write_png
from tests.test_catalogue import copy_catalogue, outputs, write_book, write_catalogue

BOOKS = {
    "north": {"words": 500, "chapters": 2},  # ebook, paperback, large-print, pocket
    "south": {"words": 300, "chapters": 2, "editions": ("ebook", "paperback"), "title": "South"},
    "west": {"words": 200, "chapters": 1, "editions": ("ebook",), "title": "West"},
}
EDITIONS = 4 + 2 + 1
# every test here starts worker processes and builds several books
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("catalogue_environment")]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """The catalogue's sources, and the reference: each book built by `bookforge build` in its own folder."""
    root = write_catalogue(tmp_path_factory.mktemp("source") / "press", BOOKS)
    reference = copy_catalogue(root, tmp_path_factory.mktemp("reference") / "press")
    for name in BOOKS:
        build(reference / "books" / name)
    return root, outputs(reference)


def test_the_catalogue_on_a_cluster_makes_the_bytes_of_each_project_and_nothing_twice(source, cluster, tmp_path):
    root, reference = source
    press = copy_catalogue(root, tmp_path / "press")
    report = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address))
    assert [book.name for book in report.books if book.ok] == ["books/north", "books/south", "books/west"]
    assert report.tasks_run == EDITIONS and len(reference) == EDITIONS + 4  # the print covers
    assert outputs(press) == reference
    # The house layout reached the print editions; the records are those `bookforge build` keeps.
    chain = load_project(press / "books" / "north").layouts["paperback"].chain
    assert [layer.folder for layer in chain][1] == str(press / "house" / "print")
    for name in BOOKS:
        assert not any(result.rebuilt for result in build(press / "books" / name))
    again = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address))
    assert again.tasks_run == 0 and again.engine.startswith("none")
    saved = json.loads((press / "build" / "catalogue-report.json").read_text())
    assert [book["book"] for book in saved["books"]] == ["books/north", "books/south", "books/west"]


def test_a_second_run_takes_every_output_from_the_shared_store(source, tmp_path):
    root, reference = source
    store = f"memory://bookforge-tests/{tmp_path.name}"  # the outputs are put and taken by the asking process
    first = copy_catalogue(root, tmp_path / "first")
    assert build_catalogue(load_catalogue(first), Settings(jobs=2, store=store)).tasks_run == EDITIONS
    second = copy_catalogue(root, tmp_path / "second")  # another machine, or tomorrow: no build folders
    report = build_catalogue(load_catalogue(second), Settings(jobs=2, store=store))
    assert report.tasks_run == 0
    assert {origin for book in report.books for origin in book.origins.values()} == {FROM_STORE}
    assert outputs(second) == reference
    # ... and what came from the store is current for `bookforge build` too.
    assert not any(result.rebuilt for result in build(second / "books" / "north"))


def test_a_worker_killed_in_the_middle_of_a_task_does_not_stop_the_catalogue(source, cluster, tmp_path):
    root, reference = source
    press = copy_catalogue(root, tmp_path / "press")
    killed: list[str] = []

    def kill_a_busy_worker(engine) -> None:
        client = engine.client
        pids = client.run(os.getpid)

        def watch() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(0.5)  # into the task
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.05)

        threading.Thread(target=watch, daemon=True).start()

    report = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address,
                                                             on_engine=kill_a_busy_worker))
    assert killed and not report.failed
    assert outputs(press) == reference


def test_a_killed_pool_process_is_replaced_and_its_tasks_sent_again(source, tmp_path):
    root, reference = source
    press = copy_catalogue(root, tmp_path / "press")
    killed: list[int] = []
    watching: list[bool] = []
    before = {child.pid for child in psutil.Process().children()}  # a LocalCluster's workers, say

    def kill_a_worker(progress) -> None:
        if progress.what == "start" and not watching:
            watching.append(True)

            def later() -> None:
                time.sleep(2)  # the pool's processes have started and are at work
                pool = [child for child in psutil.Process().children() if child.pid not in before
                        and "spawn_main" in " ".join(child.cmdline())]
                if pool:
                    pool[0].send_signal(signal.SIGKILL)
                    killed.append(pool[0].pid)
            threading.Thread(target=later, daemon=True).start()

    report = build_catalogue(load_catalogue(press), Settings(jobs=2, on_event=kill_a_worker))
    assert killed and not report.failed and report.retried >= 1
    assert outputs(press) == reference


def test_a_broken_book_fails_alone_with_its_located_messages(source, cluster, tmp_path):
    root, reference = source
    press = tmp_path / "press"
    copy_catalogue(root / "books" / "west", press / "books" / "west")
    broken = write_book(press / "books" / "broken", words=100, chapters=1, editions=("ebook",))
    chapter = broken / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text().replace("title: Chapter 1", "title: Chapter 1\nsubtitel: oops", 1))
    (press / "catalogue.yaml").write_text("books: [books/broken, books/west]\n")
    result = CliRunner().invoke(main, ["catalogue", "build", "-C", str(press), "--scheduler",
                                       cluster.scheduler_address])
    assert result.exit_code == 1, result.output
    assert "books/broken/manuscript/01-chapter.yaml:2:1: error[unknown-key]" in result.output
    assert "catalogue: 1 of 2 books built" in result.output
    west = press / "books" / "west" / "build" / "ebook" / "west.epub"
    assert west.read_bytes() == reference["books/west/build/ebook/west.epub"]
    assert not (broken / "build" / "ebook").exists()


def test_an_interrupted_catalogue_leaves_each_output_old_or_new(source, tmp_path):
    root, _ = source
    press = copy_catalogue(root, tmp_path / "press")
    build_catalogue(load_catalogue(press), Settings(jobs=2))
    old = outputs(press)
    (press / "house" / "print" / "styles" / "house.css").write_text("h1 { letter-spacing: 0.05em; }\n")

    def interrupt(progress) -> None:
        if progress.what == "built":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_catalogue(load_catalogue(press), Settings(jobs=2, on_event=interrupt))
    new = outputs(press)
    assert new.keys() == old.keys() and new != old
    for name in BOOKS:
        folder = press / "books" / name / "build"
        records = BuildState(Cache(folder)).records
        for record in records.values():  # every record names the file that is there: old, or new and whole
            assert hashlib.sha256((folder / record.output).read_bytes()).hexdigest() == record.sha256
        assert not list(folder.rglob("*.tmp"))


def test_catalogue_check_judges_every_output_on_the_workers_and_writes_one_report(source, tmp_path):
    root, _ = source
    press = tmp_path / "press"
    copy_catalogue(root / "books" / "south", press / "books" / "south")
    (press / "catalogue.yaml").write_text("books: [books/south]\n")
    result = CliRunner().invoke(main, ["catalogue", "check", "-C", str(press), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "catalogue check: no problems found." in result.output
    saved = json.loads((press / "build" / "catalogue-report.json").read_text())
    (book,) = saved["books"]
    tools = {edition["name"]: [check["tool"] for check in edition["checks"]] for edition in book["editions"]}
    assert tools["ebook"] == ["EPUBCheck", "Ace", "accessibility"]
    assert tools["paperback"][0].startswith("PDF preflight") and len(tools["paperback"]) == 2  # and its cover
    assert all(not check["errors"] and check["skipped"] is None
               for edition in book["editions"] for check in edition["checks"])
    assert book["editions"][1]["pages"] > 0 and book["editions"][0]["words"] > 0


REMOTE = "http://images.example.invalid/map.png"
"""A name no resolver knows: a worker that fetched it would fail the book."""


def test_a_remote_image_is_fetched_once_by_the_asking_machine_and_sent_to_the_workers(cluster, tmp_path,
                                                                                       monkeypatch):
    from bookforge.manuscript import images

    press = tmp_path / "press"
    book = write_book(press / "books" / "east", words=150, chapters=1, editions=("ebook", "paperback"), title="East")
    (book / "manuscript" / "book.yaml").write_text((book / "manuscript" / "book.yaml").read_text()
                                                   + "remote_images: true\n")
    chapter = book / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text() + f"- type: figure\n  src: {REMOTE}\n  alt: A map of the coast.\n")
    (press / "catalogue.yaml").write_text("books: [books/east]\n")
    write_png(tmp_path / "map.png")
    fetched: list[str] = []

    def fetch(url, where):  # this process's network: the workers' is their own, and knows no such name
        fetched.append(url)
        return (tmp_path / "map.png").read_bytes(), None

    monkeypatch.setattr(images, "fetch_remote_image", fetch)
    reference = copy_catalogue(press, tmp_path / "reference")
    build(reference / "books" / "east")
    fetched.clear()

    report = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address))

    assert report.failed == () and report.tasks_run == 2, [str(p) for b in report.books for p in b.problems]
    assert fetched == [REMOTE]
    assert outputs(press) == outputs(reference)


def test_workers_use_the_shared_store_only_with_their_own_copy_of_its_key(source, cluster, tmp_path):
    """The key travels in no task (catalogue/store.py): workers with the press's key put rendered parts in the
    store; workers with another one build without it, and make the same bytes."""
    from distributed import Client

    from bookforge.catalogue.store import KEY_VARIABLE

    root, reference = source

    def south(folder):
        copy_catalogue(root / "books" / "south", folder / "books" / "south")
        copy_catalogue(root / "house", folder / "house")
        (folder / "catalogue.yaml").write_text("books: [books/south]\nhouse: house\n")
        return folder

    def built(folder, store) -> None:
        report = build_catalogue(load_catalogue(folder), Settings(scheduler=cluster.scheduler_address,
                                                                  store=str(store)))
        assert report.failed == () and report.tasks_run == 2
        assert outputs(folder) == {path: data for path, data in reference.items() if path.startswith("books/south")}

    built(south(tmp_path / "keyed"), tmp_path / "keyed-store")
    assert list((tmp_path / "keyed-store").glob("fragments/*/*"))  # put by the workers
    ours = os.environ[KEY_VARIABLE]
    with Client(cluster) as client:
        client.run(lambda: os.environ.update({KEY_VARIABLE: "a worker's other key"}))  # run in each worker
        try:
            built(south(tmp_path / "unkeyed"), tmp_path / "unkeyed-store")
        finally:
            client.run(lambda: os.environ.update({KEY_VARIABLE: ours}))
    assert not list((tmp_path / "unkeyed-store").glob("fragments/*/*"))
    assert list((tmp_path / "unkeyed-store").glob("outputs/*/*"))  # put by the asking machine, which has the key


@pytest.mark.expect_warnings("pdf-render")
def test_a_books_warnings_stay_with_its_output_through_the_catalogue(cluster, tmp_path):
    """As in `bookforge build` (issue 15): kept, from the book's folder or from the store, an output brings the
    warnings of the build that made it, and `catalogue check` counts them."""
    press = tmp_path / "press"
    book = write_book(press / "books" / "east", words=150, chapters=1, editions=("paperback",), title="East")
    (book / "layouts" / "paperback" / "styles").mkdir(exist_ok=True)
    (book / "layouts" / "paperback" / "styles" / "odd.css").write_text(".entry-title { colr: red; }\n")
    (press / "catalogue.yaml").write_text("books: [books/east]\n")
    store = str(tmp_path / "store")

    def warnings(report) -> list[str]:
        (east,) = report.books
        return [str(w) for result in east.editions for w in result.warnings]

    made = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address, store=store))
    assert made.tasks_run == 1 and len(warnings(made)) == 1 and "colr" in warnings(made)[0]
    kept = build_catalogue(load_catalogue(press), Settings(scheduler=cluster.scheduler_address, store=store))
    assert kept.tasks_run == 0 and warnings(kept) == warnings(made)
    (here,) = build(book)  # `bookforge build` in the book: its own file names, from its folder
    assert not here.rebuilt and [w.code for w in here.warnings] == ["pdf-render"]
    other = copy_catalogue(press, tmp_path / "other")
    taken = build_catalogue(load_catalogue(other), Settings(scheduler=cluster.scheduler_address, store=store))
    assert taken.tasks_run == 0 and {o for b in taken.books for o in b.origins.values()} == {FROM_STORE}
    assert [w.replace("other", "press") for w in warnings(taken)] == warnings(made)
    checked = CliRunner().invoke(main, ["catalogue", "check", "-C", str(press), "--store", store])
    assert checked.exit_code == 1, checked.output
    assert "books/east: paperback: bookforge build: warning:" in checked.output and "colr" in checked.output
