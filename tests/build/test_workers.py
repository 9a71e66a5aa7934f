"""No process that a build starts outlives it, however the build ends: normally, on an error, on Ctrl-C, cancelled.

Each build runs in a process group of its own, so that every process it starts (the editions' workers, and the
workers that lay chunks out ahead, theirs) can be counted, and killed should the test fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bookforge.workers
from bookforge import budget
from bookforge.build.orchestrate import build
from bookforge.workers import Workers
from tests.books import REPO, SOURCE_DATE_EPOCH
from tests.conftest import copy_project

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts processes through /proc")

SRC = Path(bookforge.workers.__file__).resolve().parents[1]
SMALL = 1  # a chunk for each part of the sample book: enough of them to lay out ahead
GONE_SECONDS = 15  # for the processes of an ended build to be gone (multiprocessing's resource trackers)

# Runs a build as `bookforge build` does (cli.main) or through build() in a thread that another cancels. In the
# cancelled build, it counts the processes it started, once build() has returned, while it still runs.
DRIVER = r'''
import functools, json, multiprocessing, os, sys, threading, time
from pathlib import Path

import bookforge.build.orchestrate as orchestrate
import bookforge.print.chunks as chunks
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.workers import Cancelled

def descendants():
    """Living processes under this one, but multiprocessing's resource tracker, which ends with this process."""
    found = {}
    for name in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{name}/stat").read().rsplit(")", 1)[1].split()
            command = open(f"/proc/{name}/cmdline").read()
        except (OSError, ValueError):
            continue
        if name.isdigit() and stat[0] != "Z" and "resource_tracker" not in command:
            found[int(name)] = int(stat[1])
    mine, grown = {os.getpid()}, True
    while grown:
        grown = False
        for pid, parent in found.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                grown = True
    return sorted(mine - {os.getpid()})


if __name__ == "__main__":  # not in the workers, which import this file ("spawn")
    way, project, editions = sys.argv[1], sys.argv[2], sys.argv[3:]
    if way == "cancel":
        cancel, outcome = threading.Event(), []

        def run():
            try:
                orchestrate.build(Path(project), editions, jobs=2, chunk_size=1, cancel=cancel)
                outcome.append("built")
            except Cancelled:
                outcome.append("cancelled")

        thread = threading.Thread(target=run)
        thread.start()
        # Cancelled once processes run: the editions' two, or the one laying chunks out ahead beside the build's own.
        while thread.is_alive() and len(descendants()) < (2 if len(editions) > 1 else 1):
            time.sleep(0.05)
        cancel.set()
        thread.join()
        print(json.dumps({"outcome": outcome, "left": descendants()}))
        sys.exit(0)

    orchestrate.build = functools.partial(orchestrate.build, chunk_size=1)
    if way == "error":  # a problem found in this process while the chunks are laid out ahead in others
        stored, calls = chunks._stored, []

        def failing(store, key):
            calls.append(key)
            if len(calls) == 3:
                # Once the process laying chunks out ahead runs (it starts when a chunk is handed to it), and long
                # enough for the test to see it: the problem must come while a worker is alive.
                deadline = time.monotonic() + 10
                while multiprocessing.parent_process() is None and not descendants() and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(0.5)
                raise BookforgeError([Diagnostic("test-problem", "a problem halfway through the layout")])
            return stored(store, key)

        chunks._stored = failing
    from bookforge.cli import main

    main(["build", "-q", "--jobs", "2", "-C", project, *editions], prog_name="bookforge")
'''


def _group(group: int) -> dict[int, str]:
    """The living processes of a process group: pid -> command line."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat[2]) == group and stat[0] != "Z":
            found[int(name)] = command
    return found


def _workers(group: int, leader: int) -> list[int]:
    """The group's processes that are workers: not the build itself, not a resource tracker."""
    return [pid for pid, command in _group(group).items() if pid != leader and "resource_tracker" not in command]


@pytest.fixture(scope="module")
def restyled(tmp_path_factory) -> Path:
    """The sample book built in chunks, then restyled: its next build lays every chunk out again, ahead."""
    project = copy_project(REPO, tmp_path_factory.mktemp("workers") / "sample")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        (result,) = build(project, ["paperback"], chunk_size=SMALL)
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    assert result.chunks.total >= 4
    layout = project / "layouts" / "paperback" / "layout.yaml"
    layout.write_text(layout.read_text() + '  accent_colour: "#8a3b12"\n')
    return project


def _run(project: Path, way: str, editions: list[str], interrupt: bool = False,
         kill: signal.Signals | None = None) -> tuple[int, str, int]:
    """Run the driver in a process group of its own; returns its exit code, its output and the most workers seen.
    Once the workers are busy: with `interrupt`, Ctrl-C as a terminal sends it (to the whole group); with `kill`,
    that signal to the build's own process."""
    driver = project.parent / "driver.py"
    driver.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, str(driver), way, str(project), *editions], env=env,
                               start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    group, most, interrupted = process.pid, 0, False
    try:
        while process.poll() is None:
            busy = len(_workers(group, process.pid))
            most = max(most, busy)
            if (interrupt or kill) and not interrupted and busy >= 2:
                if kill:
                    os.kill(process.pid, kill)
                else:
                    os.killpg(group, signal.SIGINT)
                interrupted = True
            time.sleep(0.05)
        output, errors = process.communicate()
        deadline = time.monotonic() + GONE_SECONDS
        while _group(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _group(group)
        assert not left, f"processes left after the build ended ({way}): {left}\n{errors}"
        assert not (interrupt or kill) or interrupted, "the workers never got busy"
        return process.returncode, output + errors, most
    finally:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def project(restyled, tmp_path) -> Path:
    target = tmp_path / "sample"
    shutil.copytree(restyled, target)
    return target


def test_a_build_that_ends_normally_leaves_no_process(project):
    """The editions in processes of their own, the print edition's chunks laid out ahead in one more of its own (the
    edition's process lays out too)."""
    code, output, most = _run(project, "normal", ["paperback", "ebook"])
    assert code == 0, output
    assert most >= 2  # the edition's worker and its one


def test_a_build_that_fails_leaves_no_process(project):
    code, output, most = _run(project, "error", ["paperback"])
    assert code == 1 and "a problem halfway through the layout" in output
    assert most >= 1  # the process laying chunks out ahead (the build's own process lays out too)


def test_a_build_interrupted_with_ctrl_c_leaves_no_process(project):
    code, output, _ = _run(project, "normal", ["paperback", "ebook"], interrupt=True)
    assert code == 130 and "interrupted" in output, output


@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
def test_the_workers_of_a_build_that_is_killed_die_with_it(project, kill):
    """`timeout`, a CI job cancelled, the OOM killer: the build cannot end its workers, they end themselves."""
    code, _, _ = _run(project, "normal", ["paperback", "ebook"], kill=kill)
    assert code == -kill


@pytest.mark.parametrize("editions", [["paperback"], ["paperback", "ebook"]], ids=["in-process", "in-workers"])
def test_a_cancelled_build_leaves_no_process(project, editions):
    """Cancelled from another thread (the preview's way): build() raises Cancelled, and by then every process it
    started is gone, while the process that called it runs on."""
    code, output, _ = _run(project, "cancel", editions)
    assert code == 0, output
    reported = json.loads(output.splitlines()[0])
    assert reported == {"outcome": ["cancelled"], "left": []}


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_closing_workers_ends_what_runs_rather_than_waiting_for_it():
    started = time.monotonic()
    with Workers(2) as workers:
        running = [workers.submit(_sleep, 60) for _ in range(3)]
        time.sleep(2)  # started
        processes = list(workers._pool._processes.values())
    assert time.monotonic() - started < 30
    assert all(not process.is_alive() for process in processes)
    assert all(future.done() for future in running)


def test_workers_that_finished_are_closed_as_usual():
    with Workers(2) as workers:
        futures = [workers.submit(_sleep, 0) for _ in range(2)]
        assert [future.result() for future in futures] == [0, 0]
        processes = list(workers._pool._processes.values())
    assert all(not process.is_alive() and process.exitcode == 0 for process in processes)


def _budgeted_sum(n: int) -> int:
    with budget.limited(5):
        return sum(range(n + 1))


def test_workers_may_fork_beside_the_budgets_watchdog_and_keep_budgets_of_their_own():
    """Forked workers start at once (the chunks laid out ahead); the budget's watchdog, which forks safely, does not
    prevent it, and a forked worker runs budgets of its own. In a fresh process: threads other tests leave in this
    one would rightly keep a pool from forking."""
    program = ("from bookforge import budget\nfrom bookforge.workers import Workers\n"
               "from tests.build.test_workers import _budgeted_sum\n"
               "with budget.limited(10):  # the watchdog thread runs from now on\n    pass\n"
               "with Workers(1, fork=True) as workers:\n"
               "    assert workers.submit(_budgeted_sum, 3).result() == 6 and workers.forked\n"
               "with Workers(1) as workers:  # the editions' workers: spawned, as before\n"
               "    assert workers.submit(_budgeted_sum, 3).result() == 6 and not workers.forked\n"
               "print('forked, then spawned')")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "forked, then spawned"
