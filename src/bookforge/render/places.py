"""A place in the rendered book, named so that the PDF and the EPUB both understand it.

Both are rendered from the same part templates, so a place can be named by the nearest element with an `id`, the
path of element children from it to the block that holds the text, and how many letters and digits of that block
come before the place. Counting only letters and digits makes the offset blind to what differs between the two
(white space, hyphens added at line ends, soft hyphens).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SNIPPET = 24  # letters and digits kept of each page's first words, to check a marker's place


class Record(BaseModel):
    """A typed record kept between builds (as JSON): anything else in its place is rejected, not half read."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class PageStart(Record):
    """Where one printed page starts."""

    label: str
    """The folio as printed (`iii`, `1`), or as it would be on a page that prints none (a chapter opening)."""
    anchor: str
    """The id of the nearest element, at or above the block, that has one."""
    path: tuple[int, ...]
    """Element children from the anchor down to the block holding the page's first text."""
    offset: int
    """Letters and digits of the block's text that are on earlier pages."""
    text: str
    """The page's first letters and digits, to check the place found in the EPUB."""


def alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())
