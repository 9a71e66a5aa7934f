"""A book's files as content, for a worker that shares no disk with the asking machine: exactly the files the
build reads (those edition_inputs hashes), laid out as a catalogue of one, and put back on the worker's disk."""

from __future__ import annotations

import atexit
import collections
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bookforge.layout.house import CATALOGUE_FILE
from bookforge.project import Project
from bookforge.stores import digest

BOOK, HOUSE = "book", "house"
"""Where the pack puts the project and the house layouts; the outputs do not depend on where a project is."""
HOUSE_MARK = "(house)"
"""How a location in the house layouts comes back from a worker, whose house folder is its own."""
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


@dataclass(frozen=True)
class BookPack:
    files: tuple[tuple[str, bytes], ...] = field(repr=False)
    """(path inside the pack, bytes), in path order."""
    digest: str
    remote: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)
    """(URL, bytes) of each remote image (`remote_images: true`), as the asking machine fetched it: a worker builds
    from these and fetches nothing, so every edition has the same image, fetched once."""

    @property
    def size(self) -> int:
        return sum(len(data) for _, data in (*self.files, *self.remote))


def pack_book(project: Project, house: Path | None) -> BookPack:
    """What a build of any edition of `project` reads: book.yaml, every chapter file, the local images, the fonts
    from assets/, and every layout folder along the editions' chains that is not bookforge's own."""
    root, book = project.root, project.book
    files: dict[str, bytes] = {}

    def add(path: Path) -> None:
        if path.is_relative_to(root):
            files[f"{BOOK}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
        elif house is not None and path.is_relative_to(house):
            files[f"{HOUSE}/{path.relative_to(house).as_posix()}"] = path.read_bytes()
        else:
            raise ValueError(f"{path} is neither in the book nor in the house layouts")

    add(root / "manuscript" / "book.yaml")
    parts = [*book.parts, *(part for extra in book.extras.values() for part in extra)]
    for part in parts:
        if part.chapter is not None:
            add(root / part.chapter.source)
    remote = []
    for src in sorted(book.images):
        if URL.match(src):
            remote.append((src, book.images[src].data))
        else:
            add(root / "assets" / src)
    for layout in project.layouts.values():
        for layer in layout.chain:
            if layer.folder.startswith("(bookforge)"):  # bookforge's own: installed on the worker
                continue
            folder = (root / layer.folder).resolve()
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                add(path)
        for relative in (layout.settings.get("font_files") or {}).values():
            path = (root / "assets" / relative).resolve()
            if path.is_relative_to(root) and path.is_file():
                add(path)
    catalogue = f"books: [{BOOK}]\n" + (f"house: {HOUSE}\n" if house is not None else "")
    files[CATALOGUE_FILE] = catalogue.encode()
    ordered = tuple(sorted(files.items()))
    return BookPack(ordered, digest(item for path, data in (*ordered, *remote) for item in (path.encode(), data)),
                    tuple(remote))


# -- on the worker --------------------------------------------------------------------------------------------------

KEEP = 8
"""Books kept unpacked per worker process (a worker builds a book's editions one after another)."""

_unpacked: collections.OrderedDict[str, Path] = collections.OrderedDict()
_lock = threading.Lock()
_scratch: Path | None = None


def unpack(pack: BookPack) -> Path:
    """The pack written out on this machine (once per worker process): the project's root."""
    with _lock:
        if pack.digest in _unpacked:
            _unpacked.move_to_end(pack.digest)
            return _unpacked[pack.digest] / BOOK
        folder = Path(tempfile.mkdtemp(prefix=pack.digest[:12] + "-", dir=_scratch_folder()))
        for path, data in pack.files:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _unpacked[pack.digest] = folder
        while len(_unpacked) > KEEP:
            _, old = _unpacked.popitem(last=False)
            shutil.rmtree(old, ignore_errors=True)
        return folder / BOOK


def house_of(root: Path) -> Path:
    """Where the unpacked book's house layouts are."""
    return root.parent / HOUSE


def _scratch_folder() -> Path:
    global _scratch
    if _scratch is None:
        try:  # a Dask worker's own folder, which Dask cleans
            from distributed import get_worker

            base = Path(get_worker().local_directory)
        except (ImportError, ValueError):
            base = Path(tempfile.gettempdir())
            _remove_orphans(base)
        _scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-", dir=base))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


SCRATCH = "bookforge-catalogue-"


def _remove_orphans(base: Path) -> None:
    """The scratch folders of worker processes that were killed (their exit did not clean up)."""
    for folder in base.glob(f"{SCRATCH}*-*"):
        pid = folder.name[len(SCRATCH):].split("-", 1)[0]
        if pid.isdigit() and folder.is_dir() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive, and not ours to clean
        return True
    return True
