"""The records the chunked layout keeps between builds (in build/.cache, as JSON), typed: a damaged or foreign entry
is rejected as a whole (pydantic), and the chunk is laid out again."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import ConfigDict, model_validator

from bookforge.errors import Diagnostic
from bookforge.print.pagemap import PageCounter
from bookforge.render.places import PageStart, Record


class Entry(Record):
    """Where the chunk before this one ended: the side and page counter of its last page, the named strings."""

    side: Literal["left", "right"]
    counter: int
    strings: tuple[tuple[str, str], ...]


class ChunkLayout(Record):
    """One chunk laid out: its PDF and what joining it to the others needs."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    pdf: bytes
    sha256: str
    """Of `pdf`: a stored PDF damaged within its base64 still decodes."""
    counters: tuple[PageCounter, ...]
    anchors: dict[str, int]
    """Element id -> page index in this chunk."""
    bookmarks: tuple[tuple[int, bool], ...]
    """(level, closed) of each bookmark, in the order of the PDF's outline."""
    starts: tuple[tuple[int, PageStart], ...]
    """(page index, where it starts) for the print page list."""
    exit: Entry
    warnings: tuple[Diagnostic, ...]

    @model_validator(mode="after")
    def _intact(self) -> ChunkLayout:
        if hashlib.sha256(self.pdf).hexdigest() != self.sha256:
            raise ValueError("the stored PDF is damaged")
        return self


class FontProgram(Record):
    """A face's subset for the whole book (fontmerge.py), kept while the book uses the same glyphs."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    program: bytes
    sha256: str

    @model_validator(mode="after")
    def _intact(self) -> FontProgram:
        if hashlib.sha256(self.program).hexdigest() != self.sha256:
            raise ValueError("the stored font program is damaged")
        return self


class Plan(Record):
    """What the last build found: each link target's page counter, and where each chunk started (None: unknown)."""

    targets: dict[str, int]
    entries: tuple[Entry | None, ...]
