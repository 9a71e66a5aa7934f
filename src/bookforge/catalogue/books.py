"""One book of the catalogue on the asking machine: loaded and checked here, what is current kept, what workers
made written into its build folder (atomically, with the records `bookforge build` keeps) and into the store."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from bookforge.build.cache import WarningRecord, edition_inputs
from bookforge.build.output import file_system_problem, write_atomically
from bookforge.build.report import REPORT_FILE, BuildReport, EditionResult
from bookforge.catalogue.file import BookEntry, Catalogue
from bookforge.catalogue.pack import HOUSE_MARK
from bookforge.catalogue.records import BookRecords, starts_from_json, starts_to_json
from bookforge.catalogue.report import BUILT, FROM_STORE, UP_TO_DATE, BookOutcome
from bookforge.catalogue.store import SignedStore
from bookforge.errors import BookforgeError, Diagnostic
from bookforge.project import Project, load_project
from bookforge.render.places import PageStart
from bookforge.stores import digest

if TYPE_CHECKING:
    from bookforge.catalogue.tasks import EditionMade

BUILD_DIR = "build"


@dataclass
class BookRun:
    entry: BookEntry
    output: Path
    project: Project | None = None
    records: BookRecords | None = None
    own: dict[str, str] = field(default_factory=dict)
    """edition_inputs of each edition."""
    inputs: dict[str, str] = field(default_factory=dict)
    """What the build records: an ebook's with its page list's print edition's (as orchestrate does)."""
    results: dict[str, EditionResult] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    """Processor seconds of each edition a worker made."""
    problems: list[Diagnostic] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    """Editions to be made by workers, in the order of the book's editions."""
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.problems)

    def open(self, catalogue: Catalogue, source_date: str) -> None:
        """Load and check the book; a book with problems keeps them, located, and is not built."""
        try:
            self.project = load_project(self.entry.root)
        except BookforgeError as exc:
            self.fail(exc.diagnostics, catalogue)
            return
        self.records = BookRecords(self.output)
        project = self.project
        for name in project.editions:
            self.own[name] = edition_inputs(project.book, name, project.layouts[name], source_date)
        for name in project.editions:
            source = project.page_list_sources.get(name)
            self.inputs[name] = self.own[name] + (":" + self.own[source] if source is not None else "")

    def keep_current(self, store: SignedStore | None, force: bool, catalogue: Catalogue) -> list[str]:
        """Keep each edition that is up to date here or whose output is in the store (each with the warnings its
        build gave); returns those kept."""
        kept = []
        for name in self.project.editions:
            record = None if force else self.records.reusable(name, self.inputs[name])
            if record is not None:
                result = record.result(name, self.project.editions[name].format, self.output)
                self.results[name] = replace(result, warnings=self.located(result.warnings, catalogue))
                self.origins[name] = UP_TO_DATE
                kept.append(name)
                continue
            stored = None if force or store is None else store.get(store_key(self.inputs[name]))
            if stored is not None and self._take_stored(name, stored, catalogue):
                kept.append(name)
                continue
            self.todo.append(name)
        return kept

    def _take_stored(self, name: str, stored: bytes, catalogue: Catalogue) -> bool:
        try:
            head, _, body = stored.partition(b"\n")
            meta = json.loads(head)
            data, cover = body[:meta["size"]], body[meta["size"]:] or None
            starts = starts_from_json(meta["page_starts"]) if meta.get("page_starts") is not None else None
            warnings = tuple(WarningRecord.model_validate(w).diagnostic() for w in meta["warnings"])
            if len(data) != meta["size"] or not all(_output_name(file, name) for file in
                                                     filter(None, (meta["file"], meta.get("cover_file")))):
                return False
        except (ValueError, KeyError, TypeError, AttributeError):  # pydantic's ValidationError is a ValueError
            return False  # signed, but by a bookforge that wrote another layout of entry: made again
        self.write(name, data, meta["file"], cover, meta.get("cover_file"), starts)
        self.results[name] = EditionResult(
            name=name, format=self.project.editions[name].format, path=self.output / meta["file"], size=len(data),
            pages=meta["pages"], documents=meta["documents"], words=meta["words"], seconds=0.0, rebuilt=False,
            warnings=self.located(warnings, catalogue),
            cover=self.output / meta["cover_file"] if meta.get("cover_file") else None)
        self.origins[name] = FROM_STORE
        self.records.record(name, self.inputs[name], self.results[name], warnings)
        return True

    def accept(self, made: EditionMade, store: SignedStore | None, catalogue: Catalogue) -> None:
        """A worker's output: written here, recorded, and put in the store for any later build."""
        name = made.edition
        starts = made.page_starts if self.is_page_source(name) else None
        self.write(name, made.data, made.file, made.cover, made.cover_file, starts)
        warnings = self.located(made.warnings, catalogue)
        self.results[name] = EditionResult(
            name=name, format=self.project.editions[name].format, path=self.output / made.file, size=len(made.data),
            pages=made.pages, documents=made.documents, words=made.words, seconds=made.seconds, rebuilt=True,
            warnings=warnings, rendered_parts=made.rendered_parts,
            cover=self.output / made.cover_file if made.cover_file else None, chunks=made.chunks)
        self.origins[name] = BUILT
        self.cpu[name] = made.cpu_seconds
        self.records.record(name, self.inputs[name], self.results[name], made.warnings)
        if store is not None:
            meta = {"file": made.file, "cover_file": made.cover_file, "size": len(made.data), "pages": made.pages,
                    "documents": made.documents, "words": made.words,
                    "warnings": [WarningRecord.of(w).model_dump(mode="json") for w in made.warnings],
                    "page_starts": starts_to_json(starts) if starts is not None else None}
            store.put(store_key(self.inputs[name]), json.dumps(meta).encode() + b"\n" + made.data + (made.cover or b""))

    def write(self, name: str, data: bytes, file: str, cover: bytes | None, cover_file: str | None,
              starts: tuple[PageStart, ...] | None) -> None:
        write_atomically(self.output / file, data)
        if cover is not None and cover_file:
            write_atomically(self.output / cover_file, cover)
        if starts is not None:  # for the ebook that carries this edition's page list, here or in `bookforge build`
            self.records.store_page_starts(name, self.own[name], starts)

    def is_page_source(self, name: str) -> bool:
        return name in self.project.page_list_sources.values()

    def page_starts(self, source: str) -> tuple[PageStart, ...] | None:
        """A print edition's page starts as its last build here stored them, if they are current."""
        return self.records.page_starts(source, self.own[source])

    def expected_pages(self, name: str) -> int:
        """How long the edition takes, roughly: its pages (an ebook counts for a few)."""
        from bookforge.build.writers import estimated_pages

        if not self.project.format(name).paged:
            return 10
        return self.records.pages(name) or estimated_pages(self.project.book, name, self.project.layouts[name].settings)

    def page_hint(self, name: str) -> int | None:
        return self.records.pages(name)

    def fail(self, diagnostics, catalogue: Catalogue) -> None:
        self.problems.extend(self.located(diagnostics, catalogue))

    def located(self, diagnostics, catalogue: Catalogue) -> tuple[Diagnostic, ...]:
        return tuple(_located(d, self, catalogue) for d in diagnostics)

    def write_failure(self, exc: OSError) -> None:
        self.problems.append(file_system_problem(exc, self.output))

    def finish(self, seconds: float) -> None:
        """As `bookforge build` does: the book's report.json when every edition was built (not again when all were
        current: the catalogue's report says so, and a no-op catalogue writes nothing per book)."""
        self.seconds = seconds
        if self.project is None or self.problems or len(self.results) != len(self.project.editions):
            return
        if (self.output / REPORT_FILE).exists() and all(o == UP_TO_DATE for o in self.origins.values()):
            return
        report = BuildReport(tuple(self.results[name] for name in self.project.editions), seconds)
        try:
            write_atomically(self.output / REPORT_FILE, report.to_json(self.output).encode())
        except OSError as exc:
            self.write_failure(exc)

    def outcome(self) -> BookOutcome:
        names = list(self.project.editions) if self.project else []
        return BookOutcome(self.name, self.entry.root, self.output,
                           tuple(self.results[name] for name in names if name in self.results),
                           dict(self.origins), tuple(self.problems), cpu=dict(self.cpu))


def book_output(entry: BookEntry, output: Path | None) -> Path:
    """Where `bookforge build` in the book puts its outputs, or the book's folder under `-o`."""
    return (output / entry.name).resolve() if output is not None else entry.root / BUILD_DIR


def store_key(inputs: str) -> str:
    key = digest(iter([inputs.encode()]))
    return f"outputs/{key[:2]}/{key}"


def _output_name(file: object, edition: str) -> bool:
    """Whether a store entry's file name is one build_edition gives (`paperback/the-title.pdf`): nothing else is
    written, signed entry or not."""
    if not isinstance(file, str):
        return False
    parts = PurePosixPath(file).parts
    return len(parts) == 2 and parts[0] == edition and not parts[1].startswith(".") and "\\" not in file


def _located(diagnostic: Diagnostic, book: BookRun, catalogue: Catalogue) -> Diagnostic:
    """A book's problem located from the catalogue's folder: `books/winter/manuscript/01.yaml:3:5`."""
    location = diagnostic.location
    if location is None or location.file.startswith("(bookforge)"):
        return diagnostic
    file = location.file
    if file.startswith(HOUSE_MARK) and catalogue.house is not None:
        path = Path(str(catalogue.house) + file[len(HOUSE_MARK):])
    else:
        path = Path(file) if os.path.isabs(file) else book.entry.root / file
    shown = path.relative_to(catalogue.root).as_posix() if path.is_relative_to(catalogue.root) else str(path)
    return replace(diagnostic, location=replace(location, file=shown))
