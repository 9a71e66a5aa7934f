"""What a build depends on, and what the last build made: `build/.cache`, whose every entry is authenticated.

An entry is read only if it carries an HMAC made with the user's own key (kept outside the project, see
cache_key.py): an entry that anyone or anything else wrote, or that was cut short, is treated as missing and made
again, never trusted. Records are typed (pydantic): a damaged one is rejected by type, and the paths they name
stay inside the build folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterator, MutableMapping
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from bookforge.build.cache_key import cache_key
from bookforge.build.output import CACHE_DIR
from bookforge.build.report import EditionResult
from bookforge.errors import Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.manuscript.model import Book, edition_parts, figures
from bookforge.own_files import (
    is_own_folder,
    read_own_file,
    with_own_file,
    write_atomically,
)
from bookforge.render.places import PageStart
from bookforge.stores import digest, folder_files, tool_fingerprint

CHUNKS_DIR = "chunks"
FRAGMENTS_DIR = "fragments"
PAGE_MAPS_DIR = "pagemaps"
STATE_FILE = "state.json"
FORMAT = "bookforge-cache-2"
MAX_ENTRY = 512 * 1024 * 1024
"""An entry larger than this is not read (it is made again): the cache never makes a build read a huge file."""
_HEADER = re.compile(rb"bookforge-cache-2 ([0-9a-f]{32}) ([0-9a-f]{64})\n")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,200}")


# -- one cache folder, every entry sealed ---------------------------------------------------------------------------

class Cache:
    """build/.cache of one output folder: every read and write of the cache goes through here.

    `run` names this build; with `fresh` (`bookforge build --force`) only entries this build wrote are read, so
    nothing an earlier build left can reach the book.
    """

    def __init__(self, output: Path, run: str | None = None, fresh: bool = False):
        self.output, self.folder = output, output / CACHE_DIR
        self.run = run or secrets.token_hex(16)
        self.fresh = fresh
        self.key, self.note = cache_key()

    def _mac(self, relative: str, run: bytes, body: bytes) -> str:
        message = b"\0".join([FORMAT.encode(), relative.encode(), run, hashlib.sha256(body).digest()])
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def read(self, relative: str, *, fresh: bool | None = None) -> bytes | None:
        """The body of the entry at `relative` (below build/.cache) if this user's bookforge wrote it, else None."""
        path = self.folder / relative
        if not is_own_folder(self.output, path.parent):  # no link is followed, for reading either
            return None
        data = read_own_file(path, MAX_ENTRY)
        if data is None:
            return None
        header = _HEADER.match(data)
        if header is None:
            return None
        run, body = header[1], data[header.end():]
        if (self.fresh if fresh is None else fresh) and run.decode() != self.run:
            return None
        if not hmac.compare_digest(header[2].decode(), self._mac(relative, run, body)):
            return None
        return body

    def write(self, relative: str, body: bytes) -> None:
        run = self.run.encode()
        header = b"%s %s %s\n" % (FORMAT.encode(), run, self._mac(relative, run, body).encode())
        # Not durable: an entry a crash cuts short fails its HMAC and is made again. Waiting for the disk (fsync)
        # for each of a book's parts took 0.1-0.2 s of an EPUB build on a busy machine.
        write_atomically(self.folder / relative, header + body, root=self.output, durable=False)

    def store(self, relative: str, suffix: str = ".html") -> FragmentStore:
        return FragmentStore(self, relative, suffix)


class FragmentStore(MutableMapping[str, str]):
    """Rendered parts (or laid-out chunks) in the cache by content hash; several worker processes may share it.

    A value is what this user's bookforge stored under that key (see Cache.read), or the key is missing.
    """

    def __init__(self, cache: Cache, relative: str, suffix: str = ".html"):
        self.cache, self.relative, self.suffix = cache, relative, suffix
        self.folder = cache.folder / relative
        self._checked: set[str] = set()
        """Keys found good in this process: `in` need not read them again (a read still checks)."""

    def _entry(self, key: str) -> str:
        if not _KEY.fullmatch(key):
            raise KeyError(key)
        return f"{self.relative}/{key[:2]}/{key}{self.suffix}"

    def __getitem__(self, key: str) -> str:
        body = self.cache.read(self._entry(key))
        try:
            if body is None:
                raise KeyError(key)
            value = body.decode("utf-8")
        except (KeyError, UnicodeDecodeError):
            self._checked.discard(key)
            raise KeyError(key) from None
        self._checked.add(key)
        return value

    def __setitem__(self, key: str, value: str) -> None:
        self.cache.write(self._entry(key), value.encode("utf-8"))
        self._checked.add(key)

    def __delitem__(self, key: str) -> None:
        self._checked.discard(key)
        path = self.cache.folder / self._entry(key)
        if is_own_folder(self.cache.output, path.parent):
            try:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    path.unlink()
            except FileNotFoundError:
                pass

    def __contains__(self, key: object) -> bool:
        # Checked by reading: a file that is there but not this user's bookforge's is not in the store.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            return False
        if key not in self._checked and self.cache.read(self._entry(key)) is not None:
            self._checked.add(key)
        return key in self._checked

    def __iter__(self) -> Iterator[str]:
        """The keys of the files there (whatever made them, so that `retain` can remove what is not the build's)."""
        if not is_own_folder(self.cache.output, self.folder):
            return
        for shard in sorted(os.scandir(self.folder), key=lambda e: e.name):
            if shard.is_dir(follow_symlinks=False):
                for entry in sorted(os.scandir(shard.path), key=lambda e: e.name):
                    key = entry.name.removesuffix(self.suffix)
                    if entry.name.endswith(self.suffix) and _KEY.fullmatch(key) and key[:2] == shard.name:
                        yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


# -- typed records ----------------------------------------------------------------------------------------------------

def _inside(path: str) -> str:
    """A path relative to the build folder that stays in it: no absolute path, no `..`, no empty or odd part."""
    parts = PurePosixPath(path).parts
    if (not parts or path.startswith("/") or "\\" in path or "\0" in path or ":" in path
            or any(part in ("", ".", "..") for part in parts) or PurePosixPath(*parts).as_posix() != path):
        raise ValueError(f"not a path inside the build folder: {path!r}")
    return path


BuildPath = Annotated[str, AfterValidator(_inside)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[int, Field(ge=0)]


class WarningRecord(BaseModel):
    """A warning the build of an output gave: kept with the output's record, so that every later build that keeps
    the output (and `bookforge check`, and `--strict`) reports it again, until a build without it replaces it."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    code: str
    message: str
    file: str | None = None
    line: Count = 0
    column: Count = 0
    hint: str | None = None
    severity: str = "warning"

    @classmethod
    def of(cls, diagnostic: Diagnostic) -> WarningRecord:
        where = diagnostic.location
        return cls(code=diagnostic.code, message=diagnostic.message, file=where.file if where else None,
                   line=where.line if where else 0, column=where.column if where else 0, hint=diagnostic.hint,
                   severity=diagnostic.severity)

    def diagnostic(self) -> Diagnostic:
        where = Location(self.file, self.line, self.column) if self.file is not None else None
        return Diagnostic(self.code, self.message, where, self.hint, self.severity)


class Record(BaseModel):
    """What the last build of one edition made, and from what."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    inputs: Annotated[str, Field(pattern=r"^[0-9a-f]{64}(:[0-9a-f]{64})?$")]
    output: BuildPath
    """The output file, relative to the build folder."""
    sha256: Sha256
    size: Count
    pages: Count | None
    documents: Count
    words: Count
    cover: BuildPath | None = None
    cover_sha256: Sha256 | None = None
    warnings: tuple[WarningRecord, ...] = ()

    @classmethod
    def of(cls, result: EditionResult, output: Path, inputs: str,
           warnings: tuple[Diagnostic, ...] | None = None) -> Record:
        """The record of a finished edition, with its warnings (`warnings` when they differ from the result's: as
        a worker gave them, before the catalogue located them for its own report)."""
        return cls(inputs=inputs, output=result.path.relative_to(output).as_posix(),
                   sha256=file_sha256(result.path) or "0" * 64, size=result.size, pages=result.pages,
                   documents=result.documents, words=result.words,
                   cover=result.cover.relative_to(output).as_posix() if result.cover else None,
                   cover_sha256=file_sha256(result.cover) if result.cover else None,
                   warnings=tuple(map(WarningRecord.of, result.warnings if warnings is None else warnings)))

    def result(self, name: str, format: str, output: Path) -> EditionResult:
        """The edition as this record keeps it: not rebuilt, with the warnings its build gave."""
        return EditionResult(name=name, format=format, path=output / self.output, size=self.size, pages=self.pages,
                             documents=self.documents, words=self.words, seconds=0.0, rebuilt=False,
                             warnings=tuple(w.diagnostic() for w in self.warnings),
                             cover=output / self.cover if self.cover else None)


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    format: Literal["bookforge-cache-2"]
    editions: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")], Record]


class _PageMap(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    inputs: str
    pages: tuple[PageStart, ...]


_STATE = TypeAdapter(_State)
_PAGE_MAP = TypeAdapter(_PageMap)


def edition_inputs(book: Book, name: str, layout: Layout, source_date: str) -> str:
    """A hash of everything one edition's output is made from."""
    root = Path(book.root)

    def chunks() -> Iterator[bytes]:
        yield tool_fingerprint().encode()
        yield f"{name}\0{source_date}".encode()
        yield (root / "manuscript" / "book.yaml").read_bytes()
        yield book.entry_types.fingerprint.encode() if book.entry_types else b""  # types.yaml, the layouts' types
        for part in edition_parts(book, name):
            if part.chapter is not None:
                yield part.chapter.source.encode()
                yield (root / part.chapter.source).read_bytes()
        for src in sorted({figure.src for figure in figures(edition_parts(book, name))}):
            yield src.encode()
            yield book.images[src].data  # the bytes the load read and checked, which the outputs carry
        if book.cover is not None:  # the author's cover art, which the ebook and the print covers carry
            yield book.cover.image.data
            yield from (image.data for image, _ in book.cover.fronts.values())
            yield from (wrap.data for wrap in book.cover.wraps.values())
        for layer in layout.chain:
            folder = root / layer.folder if not layer.folder.startswith("(bookforge)") else None
            if folder is not None:  # bookforge's own layouts are part of the tool fingerprint
                yield from folder_files(folder)
        for path, data in sorted(layout.fonts.items()):
            yield path.encode()
            yield data

    return digest(chunks())


def file_sha256(path: Path, size: int | None = None) -> str | None:
    """SHA-256 of a regular file (a symbolic link is not followed), read in pieces; None if it is not one, or if
    it is not `size` bytes long."""
    return with_own_file(path, lambda stream, found: hashlib.file_digest(stream, "sha256").hexdigest()
                         if size is None or found == size else None)


def _output_file(output: Path, relative: str) -> Path | None:
    """output/relative when every folder on the way is a real one (no link is followed); else None."""
    path = output / relative
    return path if is_own_folder(output, path.parent) else None


class BuildState:
    """The records of the last build, read from and written to `build/.cache/state.json`."""

    def __init__(self, cache: Cache):
        self.cache, self.output = cache, cache.output
        self.records: dict[str, Record] = {}
        self.note: str | None = cache.note
        """Why an existing cache was ignored, for the build's report."""
        self._load()

    def _load(self) -> None:
        # Read even under --force: the editions it builds ignore their records, the others keep theirs.
        body = self.cache.read(STATE_FILE, fresh=False)
        if body is None:
            if (self.cache.folder / STATE_FILE).exists():
                self.note = "the build cache was not written by your bookforge (or was damaged) and is ignored"
            return
        try:
            self.records = dict(_STATE.validate_json(body).editions)
        except ValidationError as exc:
            self.note = f"the build cache was unreadable ({exc.error_count()} problems) and is ignored"

    def reusable(self, name: str, inputs: str) -> Record | None:
        """The last output of `name` if it was made from the same inputs and is still there, unchanged."""
        record = self.records.get(name)
        if record is None or record.inputs != inputs:
            return None
        path = _output_file(self.output, record.output)
        if path is None or file_sha256(path, record.size) != record.sha256:
            return None
        if record.cover is not None:
            cover = _output_file(self.output, record.cover)
            if cover is None or file_sha256(cover) != record.cover_sha256:
                return None
        return record

    def save(self) -> None:
        state = _State(format=FORMAT, editions=dict(sorted(self.records.items())))
        self.cache.write(STATE_FILE, state.model_dump_json(indent=2).encode())


def load_page_map(cache: Cache, name: str, inputs: str) -> tuple[PageStart, ...] | None:
    """Where each page of print edition `name` starts, as its build stored it, if made from `inputs`."""
    body = cache.read(f"{PAGE_MAPS_DIR}/{name}.json")
    if body is None:
        return None
    try:
        stored = _PAGE_MAP.validate_json(body)
    except ValidationError:
        return None
    return stored.pages if stored.inputs == inputs else None


def store_page_map(cache: Cache, name: str, inputs: str, starts: tuple[PageStart, ...]) -> None:
    cache.write(f"{PAGE_MAPS_DIR}/{name}.json", _PAGE_MAP.dump_json(_PageMap(inputs=inputs, pages=starts)))

