"""What a build depends on, and what the last build made: `build/.cache`, whose every entry is authenticated.

An entry is read only if it carries an HMAC made with the user's own key (kept outside the project, see
cache_key.py): an entry that anyone or anything else wrote, or that was cut short, is treated as missing and made
again, never trusted. Records are typed (pydantic): a damaged one is rejected by type, and the paths they name
stay inside the build folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from bookforge.build.report import EditionResult
from bookforge.build.seal import (  # noqa: F401 (the cache's sealed entries, named here as before)
    FORMAT,
    STATE_FILE,
    Cache,
    FragmentStore,
    file_sha256,
    inside_build_folder,
    output_file,
    shared_store,
)
from bookforge.errors import Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.manuscript.model import Book, edition_parts, figures
from bookforge.render.places import PageStart
from bookforge.stores import digest, folder_files, tool_fingerprint

CHUNKS_DIR = "chunks"
FRAGMENTS_DIR = "fragments"
PAGE_MAPS_DIR = "pagemaps"
FONTS_DIR = "fonts"
"""What the font files fontTools read whole map, by their SHA-256 (layout/chain.py): in the user's shared store."""
COVERS_DIR = "covers"
"""Drawn ebook covers, by a hash of what they are drawn from (covers.py): in the user's shared store."""
# -- typed records ----------------------------------------------------------------------------------------------------

BuildPath = Annotated[str, AfterValidator(inside_build_folder)]
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
        path = output_file(self.output, record.output)
        if path is None or file_sha256(path, record.size) != record.sha256:
            return None
        if record.cover is not None:
            cover = output_file(self.output, record.cover)
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

