"""The immutable document model; the same classes validate the YAML files and generate their JSON Schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Discriminator, Field, PrivateAttr, StringConstraints, Tag, field_validator

from bookforge.errors import Location
from bookforge.formats import FORMATS
from bookforge.manuscript.base import Line, Model, Prose  # noqa: F401 - also the model's public names
from bookforge.manuscript.contents import (  # noqa: F401 - the model's public names, as before
    BACK_MATTER,
    BODY_MATTER,
    FILE_REFS,
    GENERATED_PAGES,
    MATTER,
    UNTITLED_MATTER,
    BackMatterRef,
    ChapterRef,
    ContentItem,
    Division,
    FileItem,
    FileRef,
    FrontMatterRef,
    GeneratedPage,
)


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


class ProseBlock(Model):
    """Prose between entries: `- text: >-` and paragraphs, with no `type`."""

    text: Prose
    """Paragraphs of Markdown, with the whole vocabulary of prose (README, "Prose")."""


def block_kind(value: Any) -> str:
    """Which member of `Block` a chapter's item is: prose (only `text`), or an entry."""
    if isinstance(value, ProseBlock) or (isinstance(value, dict) and set(value) == {"text"}):
        return "prose"
    return "entry"


Block = Annotated[Union[Annotated[ProseBlock, Tag("prose")], Annotated[Entry, Tag("entry")]],
                  Discriminator(block_kind)]
"""An item of a chapter's `entries`: a typed entry, or prose (`- text: ...`)."""


class Chapter(Model):
    """One manuscript file: a chapter (or front or back matter), with prose and typed entries in reading order."""

    title: Line | None = None
    """The chapter title, as shown in the table of contents and the chapter opening; front and back matter
    (`foreword: FILE`...) are titled by their type when it is left out, and a dedication or epigraph shows none."""
    short_title: Line | None = None
    """A shorter title for running heads, when the full one is long."""
    introduction: Prose | None = None
    """Text before the first entry."""
    text: Prose | None = None
    """The chapter's prose, in Markdown: paragraphs, scene breaks (`* * *`), footnotes (`[^1]`), quotations, verse
    (`::: verse`), lists, tables, figures (`![alt](images/x.png)`)... (README, "Prose"); before the entries."""
    entries: tuple[Block, ...] = ()
    """The chapter's entries in reading order; each has a `type`, or is prose (`- text: ...`) between them."""
    # A book's chapters are validated by a subclass whose typed entries are the union of the types it declares
    # (bookforge.manuscript.entries.entry_models).
    _source: str = PrivateAttr(default="")
    _prose_figures: tuple[Entry, ...] = PrivateAttr(default=())
    """The images written in its prose (`![alt](images/x.png)`), as entries of the declared `figure` type, located at
    their `src` (set by the loader)."""

    @property
    def source(self) -> str:
        """The manuscript file this chapter was read from, relative to the project."""
        return self._source

    @property
    def typed_entries(self) -> tuple[Entry, ...]:
        """The entries that have a `type` (not the prose between them)."""
        return tuple(entry for entry in self.entries if not isinstance(entry, ProseBlock))

    def figures(self) -> tuple[ImageUse, ...]:
        """Every image it shows: its entries' (`type: figure` and every other image field), then the images written
        in its prose."""
        return tuple(use for entry in (*self.typed_entries, *self._prose_figures) for use in image_uses(entry))

    def prose_texts(self) -> list[str]:
        """The text a reader reads outside the typed entries."""
        return [text for text in (self.introduction, self.text) if text] + [
            entry.text for entry in self.entries if isinstance(entry, ProseBlock)]

    def copied(self, **update: Any) -> Chapter:
        """A copy with `update`, keeping where it was read from."""
        chapter = self.model_copy(update=update)
        chapter._source, chapter._prose_figures = self._source, self._prose_figures
        chapter._location, chapter._field_locations = self._location, self._field_locations
        return chapter


CREATOR_ROLES = ("author", "editor", "translator", "illustrator", "photographer", "foreword", "introduction",
                 "narrator", "contributor")


class Creator(Model):
    name: Line
    """The person's name as printed."""
    role: Literal[CREATOR_ROLES] = "author"  # type: ignore[valid-type]
    """What the person did: `author`, `editor`, `translator`, `illustrator`, `photographer`, `foreword` (wrote
    it), `introduction` (wrote it), `narrator`, `contributor`. Only authors are on the cover; the title page
    names the others as a publisher does ("Illustrated by ...")."""
    file_as: Line | None = None
    """The name as sorted in a catalogue, e.g. `Hernández, José`."""


class Series(Model):
    name: Line
    """The series' name, e.g. `The Wind Trilogy`."""
    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d+(\.\d+)?$")] | None = None
    """This book's place in it: `2`, or `2.5` for a novella between books two and three."""


class OtherBook(Model):
    title: Line
    """The title, as on its cover."""
    series: Line | None = None
    """The series it belongs to, if any: books of a series are listed under its name."""
    url: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://\S+$")] | None = None
    """Where to buy it (`https://...`): a link in the ebook only, never printed."""


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
    series: Series | None = None
    """The series the book belongs to: in the EPUB's metadata (`belongs-to-collection`) and on the title page."""
    also_by: tuple[OtherBook, ...] = ()
    """The author's other books, for an `also-by` page in `contents`."""


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


class PrintCover(Model):
    """One print edition's cover from the author: a finished wrap, or the art for the generated wrap's front."""

    wrap: Line | None = None
    """A finished full-wrap PDF in assets/ (back, spine and front, with the bleed all round), e.g.
    `covers/paperback.pdf`; its width must be the one the interior's real page count gives."""
    front: Line | None = None
    """An image in assets/ that the generated wrap puts on its front panel, out to the bleed (at least 250 dpi)."""


class Cover(Model):
    """The author's own cover art (in assets/), instead of the cover bookforge draws."""

    image: Line
    """The front as a PNG or JPEG image, at least 1,400 px across: the ebook's cover, resized to the stores'
    limits (Kindle asks 1,600 x 2,560 px)."""
    print: dict[str, PrintCover] = {}
    """Print editions by name, each with `wrap: FILE.pdf` or `front: IMAGE`; the others get the generated wrap."""


class BookFile(Model):
    """`manuscript/book.yaml`: the book's metadata, its contents in reading order, and its editions."""

    metadata: Metadata
    cover: Cover | None = None
    """The author's cover art; without it, bookforge draws the covers from the layout."""
    contents: tuple[ContentItem, ...] = Field(min_length=1)
    """The book in reading order: generated pages and manuscript files."""
    editions: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")], Edition] = Field(min_length=1)
    """Editions by name (lower case, digits and hyphens); `bookforge build NAME` builds one."""
    labels: dict[str, Line] = Field(default_factory=dict)
    """The book's own words for those bookforge prints (`contents: Table`, `also_by: More from {author}`), and
    for the fields of entry types (`recipe.serves: Pour`); the rest are the book language's (README, "Languages")."""
    quotes: tuple[str, ...] | None = None
    """The book's own quotation marks for text in its language, instead of CLDR's: opening, closing, inner opening,
    inner closing, e.g. `["»", "«", "›", "‹"]` for a German book set the way many German publishers set it."""
    remote_images: bool = False
    """Fetch figures whose `src` is an http(s) address when building (never from loopback or private
    addresses). Off by default: a manuscript then cannot make bookforge reach the network."""

    @field_validator("quotes")
    @classmethod
    def _four_marks(cls, marks: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if marks is not None and (len(marks) != 4 or any(len(m) != 1 or m.isalnum() or m.isspace() for m in marks)):
            raise ValueError("four marks, one character each: opening, closing, inner opening, inner closing, "
                             "e.g. `[», «, ›, ‹]`")
        return marks


@dataclass(frozen=True)
class Part:
    """One item of the book in reading order: a generated page, a manuscript file, or a part's title page."""

    id: str
    """Unique in the book; names the EPUB document and the link target."""
    kind: str
    """A generated page (`title-page`...), `chapter` (also `frontmatter:` and `backmatter:` files), a type of
    front or back matter (`dedication`...), or `part` (the title page of a part of the book)."""
    role: Literal["front", "body", "back"]
    chapter: Chapter | None = None
    """The text: a manuscript file's, or a part's title and text."""
    file: str | None = None
    """The manuscript file as book.yaml names it."""
    location: Location | None = None
    """Where book.yaml names this part."""
    in_toc: bool = True
    """Whether the table of contents and the navigation list it."""
    division: str | None = None
    """The id of the part of the book (`kind: part`) this one belongs to."""
    label: str | None = None
    """A part's line over its title (`Part One`)."""


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
class CoverWrap:
    """An author's finished cover wrap (a one-page PDF) and its size in inches, the bleed included."""

    src: str
    data: bytes = field(repr=False)
    width: float
    height: float
    location: Location | None = None


@dataclass(frozen=True)
class CoverArt:
    """The author's cover: the front image, and per print edition a finished wrap or a front for the wrap."""

    image: ImageFile
    fronts: Mapping[str, tuple[ImageFile, Location | None]] = field(default_factory=dict)
    wraps: Mapping[str, CoverWrap] = field(default_factory=dict)


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
    """The images entries and prose name, by `src`, read and checked at load: later stages read no files."""
    entry_types: Any = None
    """The entry types declared for this book (a types.EntryTypes): bookforge's, its layouts' and its own."""
    cover: CoverArt | None = None
    """The author's cover art, read and checked at load."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """book.yaml's `labels:`, checked: what the book says instead of bookforge's words."""
    quotes: tuple[str, str, str, str] | None = None
    """book.yaml's `quotes:`: the marks of text in the book's language, when not CLDR's."""
    edition_layouts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The names of each edition's layout chain (its layout first, `base` last), by edition name, set with the
    layouts (project.py): the copyright page names an edition by the kind of layout it extends."""

    @property
    def chapters(self) -> tuple[Chapter, ...]:
        return tuple(part.chapter for part in self.parts if part.chapter is not None)


def figures(parts: tuple[Part, ...]) -> tuple[ImageUse, ...]:
    """The images these parts show (figures, every other image field of their entries, images in their prose), in
    reading order."""
    return tuple(use for part in parts if part.chapter is not None for use in part.chapter.figures())


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
        if part.chapter is not None and part.chapter.typed_entries:
            # Prose between entries stays; typed entries are kept by type.
            entries = tuple(e for e in part.chapter.entries
                            if isinstance(e, ProseBlock) or e.type in edition.entry_types)
            if len(entries) == len(part.chapter.entries):
                result.append(part)
                continue
            if not any(not isinstance(e, ProseBlock) for e in entries) and not (part.chapter.introduction
                                                                                 or part.chapter.text):
                continue  # nothing of this chapter is in the edition
            part = replace(part, chapter=part.chapter.copied(entries=entries))
        result.append(part)
    return tuple(result)
