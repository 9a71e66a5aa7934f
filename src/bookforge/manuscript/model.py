"""The immutable document model; the same classes validate the YAML files and generate their JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
)

from bookforge.errors import Location
from bookforge.formats import FORMATS

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""One line of text with inline Markdown (a title, a name)."""
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Paragraphs separated by blank lines, with inline Markdown (*emphasis*, **strong**, [links](https://...))."""


class Model(BaseModel):
    # YAML reads `date: 2026` or `title: 1984` as numbers; where text is expected they are the text as written.
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True, coerce_numbers_to_str=True)
    _location: Location | None = PrivateAttr(default=None)
    _field_locations: Mapping[str, Location] = PrivateAttr(default_factory=dict)

    @property
    def location(self) -> Location | None:
        """Where this object starts in the author's file (set by the loader)."""
        return self._location

    def location_of(self, field: str) -> Location | None:
        """Where the value of `field` is written (its parent's location when it was left at its default)."""
        return self._field_locations.get(field, self._location)


class Entry(Model):
    """An entry of a declared type (bookforge.manuscript.types): scenes, notes and figures are declared in the base
    layout, other types by the book or its layouts. Each type's class is made from its declaration
    (bookforge.manuscript.entries), so this class has only what every entry has."""

    declared: ClassVar[Any] = None
    """The type's declaration (a types.DeclaredType), set on each made class."""
    type: str
    """The entry's type, e.g. `scene`."""


@dataclass(frozen=True)
class ImageUse:
    """An image an entry shows: the `src` of an image field, with its text alternative."""

    src: str
    alt: str | None
    decorative: bool
    entry: Entry
    field: str


def reading_text(entry: Entry) -> list[str]:
    """The text a reader reads in an entry (for word counts and page estimates): its text fields as declared, not
    its type, image paths, text alternatives, numbers or flags."""
    return entry.declared.reading_text(entry)


def image_uses(entry: Entry) -> list[ImageUse]:
    """The images an entry shows, in the order its type declares its image fields."""
    return entry.declared.image_uses(entry)


class Chapter(Model):
    """One manuscript file: a chapter (or front or back matter) with an optional introduction and typed entries."""

    title: Line
    """The chapter title, as shown in the table of contents and the chapter opening."""
    short_title: Line | None = None
    """A shorter title for running heads, when the full one is long."""
    introduction: Prose | None = None
    """Text before the first entry."""
    entries: tuple[Entry, ...] = ()
    """The chapter's entries in reading order; each has a `type`."""
    # A book's chapters are validated by a subclass whose `entries` are the union of the types it declares
    # (bookforge.manuscript.entries.entry_models).
    _source: str = PrivateAttr(default="")

    @property
    def source(self) -> str:
        """The manuscript file this chapter was read from, relative to the project."""
        return self._source


class Creator(Model):
    name: Line
    """The person's name as printed."""
    role: Literal["author", "editor", "translator", "illustrator", "contributor"] = "author"
    """What the person did."""
    file_as: Line | None = None
    """The name as sorted in a catalogue, e.g. `Hernández, José`."""


class Metadata(Model):
    title: Line
    """The book's title."""
    subtitle: Line | None = None
    creators: tuple[Creator, ...] = Field(min_length=1)
    """Authors first, then everyone else who made the book."""
    language: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")] = "en"
    """The book's language as a BCP 47 tag, e.g. `en`, `en-GB`, `es-MX`."""
    identifier: Line
    """The work's identifier, e.g. `urn:uuid:...`; each edition has its own as well."""
    publisher: Line | None = None
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    """Publication date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""
    rights: Line | None = None
    """The copyright line, e.g. `Copyright © 2026 Jane Doe. All rights reserved.`"""
    description: Prose | None = None
    """A short description for catalogues and the back of the book."""
    subjects: tuple[Line, ...] = ()
    """Subject headings or keywords."""


class ChapterRef(Model):
    chapter: Line
    """A chapter file, relative to `manuscript/`."""


class FrontMatterRef(Model):
    frontmatter: Line
    """A front-matter file (foreword, preface), relative to `manuscript/`."""


class BackMatterRef(Model):
    backmatter: Line
    """A back-matter file (afterword, about this book), relative to `manuscript/`."""


GeneratedPage = Literal["title-page", "copyright-page", "table-of-contents"]
FILE_REFS: dict[str, type[Model]] = {"chapter": ChapterRef, "frontmatter": FrontMatterRef, "backmatter": BackMatterRef}


def _content_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "page"
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        return key if key in FILE_REFS else None
    if isinstance(value, (ChapterRef, FrontMatterRef, BackMatterRef)):
        return next(iter(type(value).model_fields))
    return None


_FILE_MESSAGE = "one of `chapter: FILE`, `frontmatter: FILE`, `backmatter: FILE`"
ContentItem = Annotated[
    Union[
        Annotated[GeneratedPage, Tag("page")],
        Annotated[ChapterRef, Tag("chapter")],
        Annotated[FrontMatterRef, Tag("frontmatter")],
        Annotated[BackMatterRef, Tag("backmatter")],
    ],
    Discriminator(_content_kind, custom_error_type="content_item",
                  custom_error_message=f"expected `title-page`, `copyright-page`, `table-of-contents`, or {_FILE_MESSAGE}"),
]
FileItem = Annotated[
    Union[
        Annotated[ChapterRef, Tag("chapter")],
        Annotated[FrontMatterRef, Tag("frontmatter")],
        Annotated[BackMatterRef, Tag("backmatter")],
    ],
    Discriminator(_content_kind, custom_error_type="content_item", custom_error_message=f"expected {_FILE_MESSAGE}"),
]
LAYOUT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
"""A layout is named (a folder of layouts/), never given as a path."""


class Edition(Model):
    """One book made from the manuscript: its format, its layout and its own identifier."""

    format: Literal[tuple(FORMATS)]  # type: ignore[valid-type]
    """The output format: `epub`, `pdf`, or `kepub` (an EPUB for Kobo readers, `.kepub.epub`, from an ebook layout)."""
    layout: Line
    """The layout, from the project's `layouts/` or bookforge's own (`ebook`, `print`)."""
    identifier: Line
    """This edition's identifier, e.g. `urn:isbn:9780000000002`; an ebook and a paperback have different ISBNs."""
    edition_title: Line | None = None
    """A line for the title page and copyright page, e.g. `Large Print Edition`."""
    exclude: tuple[Line, ...] = ()
    """Manuscript files (as named in `contents`) that this edition leaves out."""
    entry_types: tuple[Line, ...] | None = None
    """Only entries of these types, e.g. `[scene]` for a film companion; all types when not given."""
    extra: tuple[FileItem, ...] = ()
    """Files only this edition has: `frontmatter: FILE` (e.g. a foreword), `chapter: FILE`, `backmatter: FILE`."""
    page_list_from: Line | None = None
    """EPUB editions: the print edition whose page breaks the ebook carries (a page list and invisible page
    markers), so that a reader can follow a citation of `page 143` of that edition."""


class BookFile(Model):
    """`manuscript/book.yaml`: the book's metadata, its contents in reading order, and its editions."""

    metadata: Metadata
    contents: tuple[ContentItem, ...] = Field(min_length=1)
    """The book in reading order: generated pages and manuscript files."""
    editions: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")], Edition] = Field(min_length=1)
    """Editions by name (lower case, digits and hyphens); `bookforge build NAME` builds one."""
    remote_images: bool = False
    """Fetch figures whose `src` is an http(s) address when building (never from loopback or private
    addresses). Off by default: a manuscript then cannot make bookforge reach the network."""


@dataclass(frozen=True)
class Part:
    """One item of the book in reading order: a generated page or a manuscript file."""

    id: str
    """Unique in the book; names the EPUB document and the link target."""
    kind: Literal["title-page", "copyright-page", "table-of-contents", "chapter"]
    role: Literal["front", "body", "back"]
    chapter: Chapter | None = None
    file: str | None = None
    """The manuscript file as book.yaml names it."""
    location: Location | None = None
    """Where book.yaml names this part."""


@dataclass(frozen=True)
class ImageFile:
    """An image's bytes and its media type, taken from the bytes (not the file name)."""

    media_type: str
    data: bytes = field(repr=False)
    width: int | None = None
    """Pixels; None for SVG."""
    height: int | None = None
    path: str = ""
    """Where the image goes in the book: the figure's `src`, or a name made from a remote address's hash."""


@dataclass(frozen=True)
class Book:
    """A whole, validated book: book.yaml plus every manuscript file it names, in reading order."""

    metadata: Metadata
    parts: tuple[Part, ...]
    editions: Mapping[str, Edition]
    root: str
    """The project folder."""
    extras: Mapping[str, tuple[Part, ...]] = field(default_factory=dict)
    """Parts that only one edition has, by edition name."""
    images: Mapping[str, ImageFile] = field(default_factory=dict)
    """The images entries name, by `src`, read and checked at load: later stages read no files."""
    entry_types: Any = None
    """The entry types declared for this book (a types.EntryTypes): bookforge's, its layouts' and its own."""

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return tuple(part.chapter for part in self.parts if part.chapter is not None)


def figures(parts: tuple[Part, ...]) -> tuple[ImageUse, ...]:
    """The images the entries of these parts show (figures and every other image field), in reading order."""
    return tuple(use for part in parts if part.chapter is not None
                 for entry in part.chapter.entries for use in image_uses(entry))


def edition_parts(book: Book, name: str) -> tuple[Part, ...]:
    """The parts of one edition in reading order: files left out, entry types kept, its own files put in place."""
    edition = book.editions[name]
    extras = book.extras.get(name, ())
    kept = [part for part in book.parts if part.file is None or part.file not in edition.exclude]
    last_front = max((i for i, part in enumerate(kept) if part.role == "front"), default=-1)
    last_body = max((i for i, part in enumerate(kept) if part.role == "body"), default=last_front)
    ordered = (kept[:last_front + 1] + [p for p in extras if p.role == "front"] + kept[last_front + 1:last_body + 1]
               + [p for p in extras if p.role == "body"] + kept[last_body + 1:] + [p for p in extras if p.role == "back"])
    if edition.entry_types is None:
        return tuple(ordered)
    result = []
    for part in ordered:
        if part.chapter is not None and part.chapter.entries:
            entries = tuple(e for e in part.chapter.entries if e.type in edition.entry_types)
            if not entries and not part.chapter.introduction:
                continue  # nothing of this chapter is in the edition
            chapter = part.chapter.model_copy(update={"entries": entries})
            chapter._source = part.chapter.source
            part = replace(part, chapter=chapter)
        result.append(part)
    return tuple(result)
