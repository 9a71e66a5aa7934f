"""The records `bookforge build` keeps in a book's build/.cache (the state of its editions, its print page maps),
written and read by the catalogue as the per-project build does: the catalogue's one module that knows them."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from bookforge.build.cache import BuildState, Record
from bookforge.build.output import CACHE_DIR, write_atomically
from bookforge.build.report import EditionResult
from bookforge.print import pagemap
from bookforge.render.places import PageStart

PAGE_MAPS = "pagemaps"
"""build_edition's folder of print page maps in build/.cache (bookforge.build.edition.PAGE_MAPS, not imported: a
no-op catalogue build loads no writer)."""


class BookRecords:
    def __init__(self, output: Path):
        self.output = output
        self.state = BuildState(output)

    def reusable(self, name: str, inputs: str) -> Record | None:
        """The last output of `name`, if made from `inputs` and still there unchanged."""
        return self.state.reusable(name, inputs)

    def pages(self, name: str) -> int | None:
        """The page count of the edition's last build (the gutter's first guess, and the longest-first order)."""
        record = self.state.records.get(name)
        return record.pages if record is not None else None

    def record(self, name: str, inputs: str, result: EditionResult) -> None:
        """Saved at once: an interrupted catalogue loses no finished edition."""
        self.state.records[name] = Record(
            inputs=inputs, output=result.path.relative_to(self.output).as_posix(),
            sha256=hashlib.sha256(result.path.read_bytes()).hexdigest(), size=result.size, pages=result.pages,
            documents=result.documents, words=result.words,
            cover=result.cover.relative_to(self.output).as_posix() if result.cover else None)
        self.state.save()

    def page_starts(self, name: str, inputs: str) -> tuple[PageStart, ...] | None:
        """Where each page of print edition `name` starts, as its last build stored it, if made from `inputs`."""
        return pagemap.load(self._page_map(name), inputs)

    def store_page_starts(self, name: str, inputs: str, starts: tuple[PageStart, ...]) -> None:
        write_atomically(self._page_map(name), pagemap.dump(starts, inputs))

    def _page_map(self, name: str) -> Path:
        return self.output / CACHE_DIR / PAGE_MAPS / f"{name}.json"


def starts_to_json(starts: tuple[PageStart, ...]) -> list[dict]:
    """Page starts as they travel in a shared store's entry."""
    return [dataclasses.asdict(start) for start in starts]


def starts_from_json(data: list[dict]) -> tuple[PageStart, ...]:
    return tuple(PageStart(str(d["label"]), str(d["anchor"]), tuple(int(i) for i in d["path"]), int(d["offset"]),
                           str(d["text"])) for d in data)
