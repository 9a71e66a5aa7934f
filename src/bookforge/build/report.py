"""What a build made: one result per edition, printed by the command line and written to build/report.json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bookforge.errors import Diagnostic

if TYPE_CHECKING:
    from bookforge.print.chunks import ChunkCounts

REPORT_FILE = "report.json"


@dataclass(frozen=True)
class EditionResult:
    name: str
    format: str
    path: Path
    size: int
    pages: int | None
    """Printed pages (PDF) or None."""
    documents: int
    """Parts of the book: EPUB content documents, or the parts a PDF holds."""
    words: int
    seconds: float
    rebuilt: bool
    """False when the last build's output was still good and was kept."""
    warnings: tuple[Diagnostic, ...] = ()
    rendered_parts: tuple[str, ...] = ()
    """Parts whose templates were rendered (the rest came from the fragment cache)."""
    cover: Path | None = None
    """The cover wrap (PDF editions)."""
    chunks: ChunkCounts | None = None
    """A PDF laid out in chunks: how many were laid out (the others were the last build's)."""


@dataclass(frozen=True)
class BuildReport:
    editions: tuple[EditionResult, ...]
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[EditionResult]:
        return iter(self.editions)

    def __len__(self) -> int:
        return len(self.editions)

    def to_json(self, output: Path) -> str:
        def edition(result: EditionResult) -> dict:
            data = asdict(result)
            data["path"] = result.path.relative_to(output).as_posix()
            data["cover"] = result.cover.relative_to(output).as_posix() if result.cover else None
            data["warnings"] = [str(w) for w in result.warnings]
            data["seconds"] = round(result.seconds, 3)
            return data

        return json.dumps({"seconds": round(self.seconds, 3), "notes": list(self.notes),
                           "editions": [edition(r) for r in self.editions]}, indent=2, ensure_ascii=False) + "\n"
