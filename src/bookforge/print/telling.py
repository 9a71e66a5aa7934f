"""How a chunk's layout under way and the walk that ordered it talk (ahead.py): the layout tells where it ends as
soon as its pages are made, and, if it was paginated from a guess, waits for the walk's answer: the real start to
finish its pages from (furnish.py), or none (dropped).

The layouts run in this process's thread and in processes forked from it: the queue they tell on is made before the
processes fork (a SimpleQueue writes from the caller's thread: a Queue would leave a feeder thread in the build's
process, after which no later pool there could fork). Each waiting layout reads its answer from a FIFO of its own
(by process and thread), opened before it tells, so no answer can reach a layout that is not waiting for it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.queues
import os
import pickle
import shutil
import struct
import tempfile
import threading

from bookforge.print.records import Entry

_told: multiprocessing.queues.SimpleQueue | None = None
_answers: str | None = None
"""The folder of the waiting layouts' FIFOs."""
DROPPED = "dropped"
"""The answer to a layout that is not wanted."""
_HEADER = struct.Struct("<I")


def start() -> None:
    """Make the queue and the FIFOs' folder, before the processes that lay chunks out fork."""
    global _told, _answers
    if _told is None:
        _told = multiprocessing.get_context("fork").SimpleQueue()
        _answers = tempfile.mkdtemp(prefix="bookforge-lanes-")
        atexit.register(shutil.rmtree, _answers, True)


def tell(key: str | None, exit: Entry, reads, start: Entry | None = None, ticket: int | None = None,
         anchors: dict[str, tuple[int, bool]] | None = None):
    """Tell the walk where the layout under way as `key` ends if it starts at `start` (and the page counter of each
    element id's page, and whether it moves with the start); the start to finish it from: `start`, or, with a
    `ticket` (a guess), the walk's answer (DROPPED: none)."""
    if key is None or _told is None:
        return start
    if ticket is None or _answers is None:
        _told.put((key, exit, reads, None, anchors or {}))
        return start
    path = os.path.join(_answers, f"{os.getpid()}-{threading.get_ident()}")
    if not os.path.exists(path):
        os.mkfifo(path)
    fd = os.open(path, os.O_RDWR)  # never blocks; open before telling, so that the answer finds a reader
    try:
        _told.put((key, exit, reads, (path, ticket), anchors or {}))
        while True:
            answered, entry = pickle.loads(_read(fd, _HEADER.unpack(_read(fd, _HEADER.size))[0]))
            if answered == ticket:
                return entry
    finally:
        os.close(fd)


def heard():
    """(key, exit, reads, whom to answer or None, anchors) of each layout that told, since the last call."""
    while _told is not None and not _told.empty():
        yield _told.get()


def answer(whom: tuple[str, int], entry: Entry | str) -> None:
    """Send the real start (or DROPPED) to a layout waiting as `whom`; nothing if it is gone."""
    path, ticket = whom
    data = pickle.dumps((ticket, entry))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # no reader: the layout is gone
        return
    try:
        os.set_blocking(fd, True)
        os.write(fd, _HEADER.pack(len(data)) + data)
    finally:
        os.close(fd)


def _read(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += os.read(fd, size - len(data))
    return data


_SHARED: dict[int, object] = {}
"""Typesetters of layouts under way, by id: processes forked after one was put here have it (see `Shared`)."""


class Shared:
    """A typesetter that processes forked after it was shared already hold: sent as its id (rather than ~4 MB of
    fonts and HTML to unpickle for each chunk)."""

    def __init__(self, typesetter):
        self.ident = id(typesetter)
        _SHARED[self.ident] = typesetter

    def __reduce__(self):
        return _shared, (self.ident,)


def unshare(typesetter) -> None:
    _SHARED.pop(id(typesetter), None)


def _shared(ident: int):
    return _SHARED[ident]
