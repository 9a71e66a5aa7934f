"""What every source is read into, and what an import makes: plain immutable data between the stages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from bookforge.errors import Diagnostic, Location

@dataclass(frozen=True)
class SourceDocument:
    """One document of the source as an (X)HTML tree whose tags carry no namespace."""

    name: str
    """The file it came from, as the author knows it (`book.epub!OEBPS/ch1.xhtml`)."""
    body: etree._Element
    kind: str | None = None
    """Front or back matter by type (`dedication`, `colophon`...), `skip` for a page bookforge makes itself (title
    page, contents), `frontmatter`/`backmatter` for other matter; None for a chapter."""
    title: str | None = None
    """The title the source's table of contents gives it."""
    split_level: int | None = None
    """Chapters start at every heading of this level (1 for Word and Markdown); None: the document is one chapter
    unless its top heading level occurs more than once."""


@dataclass(frozen=True)
class SourceBook:
    """A source read: its documents in reading order, metadata as book.yaml names it, a way to its images."""

    documents: tuple[SourceDocument, ...]
    metadata: Mapping[str, object]
    """As book.yaml names it; text values are inline Markdown (bookforge.importing.markup.escaped_metadata makes
    a plain-text source's so)."""
    read_image: Callable[[str, str], bytes | None]
    """(document name, src as written) -> the image's bytes, None when the source has no such file."""
    cover: tuple[str, bytes] | None = None
    """The cover image (its name and bytes), when the source has one."""
    notices: tuple[Diagnostic, ...] = ()
    close: Callable[[], None] = lambda: None
    """Lets go of the source (an archive kept open while its images are read)."""


@dataclass(frozen=True)
class ImportedChapter:
    """A manuscript file to be: its kind in book.yaml's contents, its title and its Markdown."""

    kind: str
    """`chapter`, a type of front or back matter (`dedication`...), `frontmatter`, `backmatter` or `part`."""
    title: str | None
    text: str
    """Markdown in bookforge's prose vocabulary."""
    source: str
    entries: tuple[Mapping[str, str], ...] = ()
    """With `--entries`: the chapter as prose blocks (`{text}`) and typed entries, in reading order."""
    label: str | None = None
    """A part's line over its title (`Part One`), from a heading group."""


@dataclass(frozen=True)
class ImportedImage:
    """An image the prose shows, checked, with the path the prose names it by."""

    path: str
    """Under assets/, e.g. `images/map.png`."""
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ImportedBook:
    """What the converter made of a source: book.yaml's metadata, the chapters, the images, what was simplified."""

    metadata: Mapping[str, object]
    chapters: tuple[ImportedChapter, ...]
    images: tuple[ImportedImage, ...]
    notices: tuple[Diagnostic, ...]
    counts: Mapping[str, int]
    """chapters, words, images, notes, headings, emphasis, verse, scene breaks, entries."""
    types: str | None = None
    """manuscript/types.yaml declaring the entry type `--entries` named, when entries were found."""


def notice(message: str, where: str, line: int = 0, hint: str | None = None) -> Diagnostic:
    """Something the manuscript cannot say as the source did, reported at its place: a warning, never silent."""
    return Diagnostic("import-simplified", message, Location(where, line, 1 if line else 0), hint, severity="warning")
