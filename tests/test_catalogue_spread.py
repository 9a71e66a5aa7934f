"""One long print edition across a cluster's workers (catalogue/spread.py): after a change of house style, its chunks
are laid out ahead, from the last build's plan, on both workers of a LocalCluster, with the bytes of `bookforge
build` in the project."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import threading
import time

import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.catalogue.build import Settings, build_catalogue
from bookforge.catalogue.file import load_catalogue
from tests.test_catalogue import copy_catalogue, outputs, write_catalogue

SMALL = 1
"""A chunk for each chapter (as tests/print/test_chunks.py): this short book has nine."""
CHAPTERS = 8
CHUNK_TASK = "_typeset-"
"""How Dask names the task of a chunk laid out ahead (after print/chunks.py's function)."""
# worker processes, and a book laid out several times
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("catalogue_environment")]


def restyle(press) -> None:
    """The house's ornaments in another colour: every chunk's stylesheet changes, no page moves."""
    path = press / "house" / "print" / "layout.yaml"
    layout = yaml.safe_load(path.read_text())
    layout["settings"]["accent_colour"] = "#8a3b12"
    path.write_text(yaml.safe_dump(layout))


@pytest.fixture(scope="module")
def built(cluster, tmp_path_factory):
    """A catalogue of one long book built on the cluster (its store holds the plan: where each chunk starts), and
    the bytes `bookforge build` makes after the house's change of style."""
    folder = tmp_path_factory.mktemp("spread")
    press = write_catalogue(folder / "press", {"long": {"words": 9000, "chapters": CHAPTERS,
                                                        "editions": ("paperback",), "title": "Long"}})
    first = build_catalogue(load_catalogue(press), settings(cluster, folder / "store"))
    assert first.failed == ()
    reference = copy_catalogue(press, folder / "reference")
    restyle(reference)
    build(reference / "books" / "long", chunk_size=SMALL)
    return press, folder / "store", outputs(reference)


def settings(cluster, store, **more) -> Settings:
    return Settings(scheduler=cluster.scheduler_address, store=str(store), chunk_size=SMALL, **more)


def restyled(built, tmp_path):
    """A copy of the built catalogue and its store, in the house's new style."""
    press, store, _ = built
    copy = copy_catalogue(press, tmp_path / "press")
    shutil.copytree(press / "books" / "long" / "build", copy / "books" / "long" / "build")
    shutil.copytree(store, tmp_path / "store")
    restyle(copy)
    return copy, tmp_path / "store"


def test_a_long_editions_chunks_are_laid_out_on_every_worker_with_the_bytes_of_a_build(built, cluster, tmp_path):
    from distributed import Client, get_task_stream

    press, store = restyled(built, tmp_path)
    with Client(cluster) as client, get_task_stream(client) as stream:
        report = build_catalogue(load_catalogue(press), settings(cluster, store))
    (book,) = report.books
    assert report.failed == () and report.tasks_run == 1
    (paperback,) = book.editions
    total = paperback.chunks.total
    assert total == CHAPTERS + 1 and paperback.chunks.laid_out == total and paperback.chunks.ahead >= total // 3

    def workers(prefix: str) -> set[str]:
        return {task["worker"] for task in stream.data if task["key"].startswith(prefix)}

    (edition,) = workers("make_edition-")
    chunks = workers(CHUNK_TASK)  # laid out ahead, as tasks of their own (the edition's own lane is a thread)
    assert chunks and len(chunks | {edition}) == 2
    assert outputs(press) == built[2]
    saved = json.loads((press / "build" / "catalogue-report.json").read_text())
    assert saved["books"][0]["editions"][0]["chunks"] == dataclasses.asdict(paperback.chunks)


def test_a_worker_killed_while_it_lays_a_chunk_out_does_not_stop_the_edition(built, cluster, tmp_path):
    press, store = restyled(built, tmp_path)
    killed: list[str] = []

    def kill_a_chunks_worker(engine) -> None:
        client = engine.client
        pids = client.run(os.getpid)

        def watch() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [worker for worker, keys in client.processing().items()
                        if any(str(key).startswith(CHUNK_TASK) for key in keys)]
                if busy:
                    time.sleep(0.3)  # into the layout
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.02)

        threading.Thread(target=watch, daemon=True).start()

    report = build_catalogue(load_catalogue(press), settings(cluster, store, on_engine=kill_a_chunks_worker))
    assert killed and report.failed == ()
    assert outputs(press) == built[2]


def test_chunks_that_dask_gives_up_on_are_laid_out_by_the_editions_own_worker(built, cluster, tmp_path):
    """Dask cancels a task whose input is lost with every worker that held it (the typesetter, once its copies are
    reduced to one): ahead.py is told that the executor broke, not that the layout was cancelled, and goes on."""
    from distributed import Future

    press, store = restyled(built, tmp_path)
    cancelled: list[str] = []

    def cancel_the_chunks(engine) -> None:
        client = engine.client

        def watch() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not cancelled:
                keys = [key for keys in client.processing().values() for key in keys
                        if str(key).startswith(CHUNK_TASK)]
                if keys:
                    client.cancel([Future(key, client) for key in keys], force=True)
                    cancelled.extend(keys)
                time.sleep(0.02)

        threading.Thread(target=watch, daemon=True).start()

    report = build_catalogue(load_catalogue(press), settings(cluster, store, on_engine=cancel_the_chunks))
    assert cancelled and report.failed == ()
    assert outputs(press) == built[2]
