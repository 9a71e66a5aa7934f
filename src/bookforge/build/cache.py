"""What a build depends on, and what the last build made: `build/.cache`, trusted only when it checks out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path

from bookforge.build.output import CACHE_DIR, write_atomically
from bookforge.layout.chain import Layout
from bookforge.manuscript.model import Book, edition_parts, figures
from bookforge.stores import digest, folder_files, tool_fingerprint

CHUNKS_DIR = "chunks"
STATE_FILE = "state.json"
FORMAT = "bookforge-cache-1"


@dataclass(frozen=True)
class Record:
    """What the last build of one edition made, and from what."""

    inputs: str
    output: str
    """The output file, relative to the build folder."""
    sha256: str
    size: int
    pages: int | None
    documents: int
    words: int
    cover: str | None = None


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
        for layer in layout.chain:
            folder = root / layer.folder if not layer.folder.startswith("(bookforge)") else None
            if folder is not None:  # bookforge's own layouts are part of the tool fingerprint
                yield from folder_files(folder)
        for path, data in sorted(layout.fonts.items()):
            yield path.encode()
            yield data

    return digest(chunks())


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class BuildState:
    """The records of the last build, read from and written to `build/.cache/state.json`."""

    def __init__(self, output: Path):
        self.output = output
        self.path = output / CACHE_DIR / STATE_FILE
        self.records: dict[str, Record] = {}
        self.note: str | None = None
        """Why an existing cache was ignored, for the build's report."""
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("written by another version")
            self.records = {name: Record(**record) for name, record in data["editions"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self.records = {}
            self.note = f"the build cache was unreadable ({exc}) and is ignored"

    def reusable(self, name: str, inputs: str) -> Record | None:
        """The last output of `name` if it was made from the same inputs and is still there, unchanged."""
        record = self.records.get(name)
        if record is None or record.inputs != inputs:
            return None
        if file_sha256(self.output / record.output) != record.sha256:
            return None
        if record.cover is not None and not (self.output / record.cover).is_file():
            return None
        return record

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "editions": {k: asdict(v) for k, v in sorted(self.records.items())}},
                          indent=2)
        write_atomically(self.path, text.encode())


class FragmentStore(MutableMapping[str, str]):
    """Rendered parts (or laid-out chunks) on disk by content hash; several worker processes may share it."""

    def __init__(self, folder: Path, suffix: str = ".html"):
        self.folder, self.suffix = folder, suffix

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}{self.suffix}"

    def __getitem__(self, key: str) -> str:
        try:
            return self._path(key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, value.encode())

    def __delitem__(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._path(key).is_file()

    def __iter__(self):
        return (p.name.removesuffix(self.suffix) for p in self.folder.glob(f"*/*{self.suffix}"))

    def __len__(self) -> int:
        return sum(1 for _ in self)
