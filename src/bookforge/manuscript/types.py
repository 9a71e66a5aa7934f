"""Entry types as data: what a declaration says (a type's fields, their kinds and labels) and the set of types a
book's entries are validated by. The declarations are read by typeload.py and checked by typecheck.py."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from bookforge.manuscript.contents import GENERATED_PAGES, MATTER
from bookforge.manuscript.labels import labels_for
from bookforge.manuscript.model import Entry, ImageUse, Line, Model
from bookforge.manuscript.prose import BLOCKS, IMAGE_CLASSES, SPAN_CLASSES

TYPES_FILE = "types.yaml"
PACKAGE_LAYOUTS = Path(__file__).parents[1] / "layouts"
BASE_TYPES = PACKAGE_LAYOUTS / "base" / TYPES_FILE

KINDS = ("line", "prose", "list", "number", "boolean", "choice", "image", "reference")
ITEM_KINDS = ("line", "prose", "reference")
TEXT_KINDS = ("line", "prose", "list", "choice", "reference")
"""Kinds whose values a reader reads (word counts, page estimates); an image's caption counts too."""
TYPE_NAME = re.compile(r"[a-z][a-z0-9-]*")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
GROUP_BY_LETTER = "letter"
MAX_TYPES = 100
MAX_FIELDS = 40
# A type's name becomes a CSS class and a template name (`entry-<type>.html`), so it may not be the name of a part
# of the book (front and back matter types among them) or of a class bookforge's own templates use (prose blocks and
# spans, notes, parts of the book).
RESERVED_TYPES = frozenset({
    "book", "part", "chapter", "frontmatter", "backmatter", "front", "body", "back", "main-matter", "introduction",
    "title-page", "copyright-page", "table-of-contents", "toc", "cover", "cover-page", "document", "ornament", "entry",
    "entries", "field", "declared-entry",
    *MATTER, *GENERATED_PAGES, *BLOCKS, *SPAN_CLASSES, *IMAGE_CLASSES,
    "division", "in-part", "endnotes", "notes", "footnote", "footnotes", "noteref", "prose", "passage", "scene-break",
    "subhead", "chapter-text", "part-text"})
# Names every entry's view already has (README, "Entry types"): a field may not take them.
RESERVED_FIELDS = frozenset({"type", "id", "template", "fields", "blocks", "labels", "level", "title_text",
                             "group_heading", "ornament", "paged"})


class FieldDeclaration(Model):
    """One field of an entry type: the kind of value it holds, whether entries must have it, how it is labelled.
    `name: line` is short for `name: {kind: line}`."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    """`line` (one line of text), `prose` (paragraphs), `list` (of `line`s, `prose` or `reference`s), `number`,
    `boolean`, `choice` (one of `values`), `image` (a file in assets/), `reference` (the title of another entry)."""
    required: bool = False
    """`true` when every entry of the type must give this field."""
    default: Any = None
    """The value an entry that leaves the field out gets (not for required fields)."""
    label: Any = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "object"}]})
    """What the book prints before the value: text, or text by language (`{en: Serves, es: Raciones}`); `""` prints
    none. The field's name with spaces when not given."""
    description: Line | None = None
    """What the field holds: the editor's hover text, and the hint when it is missing."""
    of: Literal[ITEM_KINDS] | None = None  # type: ignore[valid-type]
    """`list` fields: the kind of each item, `line` (the default), `prose` or `reference`."""
    numbered: bool | None = None
    """`list` fields: `true` numbers the items (steps), `false` bullets them (ingredients, the default)."""
    values: tuple[Line, ...] | None = None
    """`choice` fields: the values an entry may give."""
    to: Any = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "array"}]})
    """`reference` fields (and lists of them): the type, or types, of the entries referred to; any titled entry when
    not given."""
    alt: Line | None = None
    """`image` fields: the `line` field that holds the image's text alternative. Without it, the value is a mapping
    `{src, alt, caption, decorative}`."""
    decorative: Line | None = None
    """`image` fields with `alt`: the `boolean` field that marks the image as decoration (then it needs no `alt`)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`serves: number` is short for `serves: {kind: number}`."""
        return {"kind": data} if isinstance(data, str) else data

    @property
    def item_kind(self) -> str:
        """What each value is: the kind, or for a list the kind of its items."""
        return (self.of or "line") if self.kind == "list" else self.kind

    @property
    def references(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else tuple(self.to or ())


class TypeDeclaration(Model):
    """An entry type: its fields in the order a reader meets them, and how its entries are titled, ordered and
    listed."""

    description: Line | None = None
    """One line saying what an entry of this type is: the editor's hover text."""
    fields: dict[str, FieldDeclaration] = Field(min_length=1)
    """The fields by name, in the order they are printed."""
    title: Line | None = None
    """The `line` field that titles an entry: its heading, its line in the contents, what references name. The
    field called `title` when not given."""
    sort_by: Line | None = None
    """A `line` or `choice` field: a chapter's entries of this type are sorted by it, in the book's language's
    alphabetical order (`É` with `E`)."""
    group_by: Line | None = None
    """`letter` (with `sort_by`): the sorted entries are grouped under the letters they start with; or a `choice` or
    `line` field, whose values head the groups."""
    contents: bool = False
    """`true` lists each entry (each group, when grouped) in the contents under its chapter."""
    ornament: bool = True
    """`false` sets no ornament between entries of this type (a dictionary's, a glossary's)."""


@dataclass(frozen=True)
class DeclaredType:
    """A checked declaration, with its name and where it was declared."""

    name: str
    declaration: TypeDeclaration
    source: str
    """The file that declares it, as the author knows it."""
    built_in: bool = False
    """Declared by bookforge's base layout (scene, note, figure)."""

    @property
    def fields(self) -> Mapping[str, FieldDeclaration]:
        return self.declaration.fields

    @functools.cached_property
    def title_field(self) -> str | None:
        title = self.declaration.title or "title"
        field = self.fields.get(title)
        return title if field is not None and field.kind == "line" else None

    @functools.cached_property
    def companions(self) -> frozenset[str]:
        """Fields that serve an image field (its text alternative, its decorative flag): not printed on their own."""
        return frozenset(name for field in self.fields.values() if field.kind == "image"
                         for name in (field.alt, field.decorative) if name)

    def label(self, field: str, language: str, overrides: Mapping[str, str] | None = None) -> str:
        """The field's label in `language`: the book's `labels:` or bookforge's (`scene.context`) for
        `TYPE.FIELD`, else its declaration's (`es-MX`, then `es`, then English, then any), else its name."""
        known = labels_for(language, overrides).get(f"{self.name}.{field}")
        if known is not None:
            return known
        label = self.fields[field].label
        if isinstance(label, str):
            return label
        if isinstance(label, dict) and label:
            primary = language.split("-")[0].lower()
            by_language = {str(key).lower(): value for key, value in label.items()}
            for key in (language.lower(), primary, "en"):
                if key in by_language:
                    return str(by_language[key])
            return str(next(iter(label.values())))
        return field.replace("_", " ").capitalize()

    def reading_text(self, entry: Entry) -> list[str]:
        texts: list[str] = []
        for name, field in self.fields.items():
            value = getattr(entry, name)
            if name in self.companions or value is None:
                continue
            if field.kind in TEXT_KINDS:
                texts.extend(value if isinstance(value, tuple) else [value])
            elif field.kind == "image" and not isinstance(value, str) and value.caption:
                texts.append(value.caption)
        return [text for text in texts if isinstance(text, str)]

    def image_uses(self, entry: Entry) -> list[ImageUse]:
        uses = []
        for name, field in self.fields.items():
            value = getattr(entry, name)
            if field.kind != "image" or value is None:
                continue
            if isinstance(value, str):
                alt = getattr(entry, field.alt) if field.alt else None
                decorative = bool(getattr(entry, field.decorative)) if field.decorative else False
                uses.append(ImageUse(value, alt, decorative, entry, name))
            else:
                uses.append(ImageUse(value.src, value.alt, value.decorative, entry, name))
        return uses


@dataclass(frozen=True)
class EntryTypes:
    """Every entry type a book's entries may have, by name: bookforge's first, then its layouts', then the book's."""

    types: Mapping[str, DeclaredType]
    fingerprint: str
    """A hash of the declarations: the made classes are kept by it, and the build cache depends on it."""

    def __iter__(self) -> Iterator[DeclaredType]:
        return iter(self.types.values())

    def __getitem__(self, name: str) -> DeclaredType:
        return self.types[name]

    def __contains__(self, name: object) -> bool:
        return name in self.types

    @property
    def names(self) -> list[str]:
        return list(self.types)

    @property
    def declared_by_book(self) -> bool:
        """Whether any type is declared by the book or its layouts rather than bookforge."""
        return any(not declared.built_in for declared in self)
