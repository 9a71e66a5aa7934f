"""Footnotes printed away from their reference, found after layout: WeasyPrint 70 moves a page's notes to the next
page when that keeps a paragraph's first lines together (orphans), and says nothing."""

from __future__ import annotations

import re

from bookforge.errors import Diagnostic, Location
from bookforge.manuscript.model import edition_parts

_NOTE = re.compile(r"^(?P<part>.+)-note-(?P<number>\d+)$")


def notes_apart(pages, rendition, where: Location) -> list[Diagnostic]:
    """A warning for each floating footnote printed on another page than the line that refers to it, at the file
    the note is written in. Notes at the end of a chapter or of the book (the layout's `notes` setting) are on
    another page by design: nothing to say of them."""
    if rendition.layout.settings.get("notes", "footnotes") != "footnotes":
        return []
    files = {part.id: part.chapter.source for part in edition_parts(rendition.book, rendition.edition_name)
             if part.chapter is not None}
    placed: dict[str, int] = {}
    for index, page in enumerate(pages):
        for ident in page.anchors:
            placed.setdefault(ident, index)
    found = []
    for ident, page in sorted(placed.items(), key=lambda item: item[1]):
        match = _NOTE.match(ident)
        ref = f"{match['part']}-noteref-{match['number']}" if match else None
        if ref and ref in placed and placed[ref] != page:
            in_file = files.get(match["part"])
            found.append(Diagnostic(
                "footnote-moved", f"in the {rendition.edition_name} edition, note {match['number']} of this chapter "
                f"is printed on the page after the one that refers to it (page {placed[ref] + 1} of the PDF)",
                Location(in_file) if in_file else where,
                "WeasyPrint moved it to keep the first lines of a paragraph together; a small change to the text "
                "nearby usually puts it back, or set the layout's `notes: chapter-end`", severity="warning"))
    return found
