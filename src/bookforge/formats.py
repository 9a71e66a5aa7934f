"""The output formats an edition can have: what layout each needs, its file name, whether it has pages.

This table is the one place that knows format names; the writer of each is in bookforge.build.writers,
under the same name. Adding a format is one writer module and one entry here and there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    name: str
    layout: str
    """The `format` a layout must make for this edition format (`epub` or `pdf` in layout.yaml)."""
    extension: str
    paged: bool
    """Laid out in printed pages: it has a page count and a cover wrap, and the preview shows its pages (else the
    preview shows its reflowable documents)."""


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("epub", layout="epub", extension="epub", paged=False),
    Format("pdf", layout="pdf", extension="pdf", paged=True),
    Format("kepub", layout="epub", extension="kepub.epub", paged=False),
)}
LAYOUT_FORMATS = tuple(dict.fromkeys(f.layout for f in FORMATS.values()))
"""What a layout.yaml may give as its `format`."""
PAGED_LAYOUTS = frozenset(f.layout for f in FORMATS.values() if f.paged)
"""Layout formats rendered as one document to be laid out in pages (the others: one document per part)."""
