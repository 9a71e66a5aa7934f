"""What a catalogue build made, book by book: printed by the command line, written to build/catalogue-report.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bookforge.build.report import EditionResult
from bookforge.errors import Diagnostic

REPORT_FILE = "catalogue-report.json"
BUILT, UP_TO_DATE, FROM_STORE = "built", "up to date", "from the store"


@dataclass(frozen=True)
class Progress:
    """One step of the catalogue's build, with the counts a progress display shows."""

    what: str
    """"start", "built", "reused" (up to date or from the store), "retry", "failed" (an edition) or "book"."""
    book: str
    edition: str | None
    books_done: int
    books: int
    failed: int
    """Books with problems so far."""


@dataclass(frozen=True)
class BookOutcome:
    name: str
    root: Path
    output: Path
    editions: tuple[EditionResult, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)
    """How each edition's output came to be: built, up to date, or from the store."""
    problems: tuple[Diagnostic, ...] = ()
    """Located (file:line) relative to the catalogue's folder."""
    checks: tuple = ()
    """bookforge.check.CheckResult of each output, after `bookforge catalogue check`."""
    cpu: dict[str, float] = field(default_factory=dict)
    """Processor seconds of each edition made by a worker."""

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.problems)


@dataclass(frozen=True)
class CatalogueReport:
    books: tuple[BookOutcome, ...]
    seconds: float
    engine: str
    workers: int
    tasks_run: int
    """Editions made by a worker in this build (a task run again after a lost worker counts once)."""
    retried: int = 0
    """Tasks sent again because their worker, or their input, was lost."""
    store: str = ""
    dashboard: str | None = None

    @property
    def failed(self) -> tuple[BookOutcome, ...]:
        return tuple(book for book in self.books if not book.ok)

    def to_json(self, catalogue: Path) -> str:
        def shown(path: Path | None) -> str | None:
            if path is None:
                return None
            return path.relative_to(catalogue).as_posix() if path.is_relative_to(catalogue) else str(path)

        def edition(book: BookOutcome, result: EditionResult) -> dict:
            checks = [c for c in book.checks if c.edition in (result.name, f"{result.name} (cover)")]
            return {"name": result.name, "format": result.format, "path": shown(result.path),
                    "cover": shown(result.cover), "size": result.size, "pages": result.pages,
                    "documents": result.documents, "words": result.words, "origin": book.origins.get(result.name),
                    "seconds": round(result.seconds, 3), "cpu_seconds": round(book.cpu.get(result.name, 0.0), 3),
                    "chunks": asdict(result.chunks) if result.chunks is not None else None,
                    "warnings": [str(w) for w in result.warnings],
                    "checks": [{"tool": c.tool, "errors": list(c.errors), "warnings": list(c.warnings),
                                "skipped": c.skipped} for c in checks]}

        data = {"seconds": round(self.seconds, 3), "engine": self.engine, "workers": self.workers,
                "tasks_run": self.tasks_run, "retried": self.retried, "store": self.store,
                "books": [{"book": book.name, "ok": book.ok, "output": shown(book.output),
                           "problems": [str(d) for d in book.problems],
                           "editions": [edition(book, result) for result in book.editions]} for book in self.books]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
