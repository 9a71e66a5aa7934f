"""Source locations and diagnostics: what went wrong, where, and what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A place in an author's file; line and column count from 1 (0 means unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One problem, reported as `file:line:col: severity[code]: message` with an optional hint."""

    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class BookforgeError(Exception):
    """The author's input (or environment) is wrong; carries every problem found, not just the first."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    def __reduce__(self):
        # Builds in worker processes send their problems back pickled.
        return (type(self), (self.diagnostics,))


def by_location(d: Diagnostic) -> tuple:
    """Sort key: by file, then line and column, so the author can work down each file."""
    loc = d.location or Location("")
    return (loc.file, loc.line, loc.column, d.code)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest valid choice, or listing them when none is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    if choices:
        return "expected one of: " + ", ".join(f"`{c}`" for c in choices)
    return None


def display_path(path: Path, root: Path) -> str:
    """A path as the author knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
