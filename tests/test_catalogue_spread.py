"""One long print edition across a cluster's workers (catalogue/spread.py): after a change of house style, its chunks
are laid out ahead, from the last build's plan, on both workers of a LocalCluster, with the bytes of `bookforge
build` in the project."""

from __future__ import annotations

import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.catalogue.build import Settings, build_catalogue
from bookforge.catalogue.file import load_catalogue
from tests.conftest import SOURCE_DATE_EPOCH
from tests.test_catalogue import copy_catalogue, outputs, write_catalogue

SMALL = 1
"""A chunk for each chapter (as tests/print/test_chunks.py): this short book has nine."""
CHAPTERS = 8
pytestmark = pytest.mark.slow  # worker processes, and a book laid out three times


@pytest.fixture(autouse=True)
def _environment(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    monkeypatch.setenv("BOOKFORGE_STORE_KEY", "the tests' key")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as running:
        yield running


def restyle(press) -> None:
    """The house's ornaments in another colour: every chunk's stylesheet changes, no page moves."""
    path = press / "house" / "print" / "layout.yaml"
    layout = yaml.safe_load(path.read_text())
    layout["settings"]["accent_colour"] = "#8a3b12"
    path.write_text(yaml.safe_dump(layout))


def test_a_long_editions_chunks_are_laid_out_on_every_worker_with_the_bytes_of_a_build(cluster, tmp_path):
    from distributed import Client, get_task_stream

    press = write_catalogue(tmp_path / "press", {"long": {"words": 9000, "chapters": CHAPTERS,
                                                          "editions": ("paperback",), "title": "Long"}})
    settings = Settings(scheduler=cluster.scheduler_address, store=str(tmp_path / "store"), chunk_size=SMALL)
    first = build_catalogue(load_catalogue(press), settings)  # the plan: where each chunk starts
    assert first.failed == ()
    restyle(press)
    reference = copy_catalogue(press, tmp_path / "reference")
    with Client(cluster) as client, get_task_stream(client) as stream:
        report = build_catalogue(load_catalogue(press), settings)
    (book,) = report.books
    assert report.failed == () and report.tasks_run == 1
    (paperback,) = book.editions
    total = paperback.chunks.total
    assert total == CHAPTERS + 1 and paperback.chunks.laid_out == total and paperback.chunks.ahead >= total // 3

    def workers(prefix: str) -> set[str]:
        return {task["worker"] for task in stream.data if task["key"].startswith(prefix)}

    (edition,) = workers("make_edition-")
    chunks = workers("_typeset-")  # laid out ahead, as tasks of their own (the edition's own lane is a thread)
    assert chunks and len(chunks | {edition}) == 2
    build(reference / "books" / "long", chunk_size=SMALL)
    assert outputs(press) == outputs(reference)
