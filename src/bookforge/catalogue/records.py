"""The records `bookforge build` keeps in a book's build/.cache (the state of its editions, its print page maps),
written and read by the catalogue as the per-project build does: the catalogue's one module that knows them."""

from __future__ import annotations

from pathlib import Path

from bookforge.build.cache import (
    BuildState,
    Cache,
    Record,
    load_page_map,
    store_page_map,
)
from bookforge.build.report import EditionResult
from bookforge.errors import Diagnostic
from bookforge.render.places import PageStart


class BookRecords:
    """A book's build state and page maps, through its authenticated cache (bookforge.build.cache)."""

    def __init__(self, output: Path):
        self.output = output
        self.cache = Cache(output)
        self.state = BuildState(self.cache)

    def reusable(self, name: str, inputs: str) -> Record | None:
        """The last output of `name`, if made from `inputs` and still there unchanged."""
        return self.state.reusable(name, inputs)

    def pages(self, name: str) -> int | None:
        """The page count of the edition's last build (the gutter's first guess, and the longest-first order)."""
        record = self.state.records.get(name)
        return record.pages if record is not None else None

    def record(self, name: str, inputs: str, result: EditionResult, warnings: tuple[Diagnostic, ...]) -> None:
        """Saved at once: an interrupted catalogue loses no finished edition. `warnings` as the build gave them
        (located in the book, not from the catalogue's folder): any later build that keeps the output reports them."""
        self.state.records[name] = Record.of(result, self.output, inputs, warnings)
        self.state.save()

    def page_starts(self, name: str, inputs: str) -> tuple[PageStart, ...] | None:
        """Where each page of print edition `name` starts, as its last build stored it, if made from `inputs`."""
        return load_page_map(self.cache, name, inputs)

    def store_page_starts(self, name: str, inputs: str, starts: tuple[PageStart, ...]) -> None:
        store_page_map(self.cache, name, inputs, tuple(starts))


def starts_to_json(starts: tuple[PageStart, ...]) -> list[dict]:
    """Page starts as they travel in a shared store's entry."""
    return [start.model_dump(mode="json") for start in starts]


def starts_from_json(data: list[dict]) -> tuple[PageStart, ...]:
    return tuple(PageStart.model_validate({**d, "path": tuple(d["path"])}) for d in data)
