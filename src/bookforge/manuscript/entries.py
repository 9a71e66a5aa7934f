"""Entry classes made from the declared types: each type becomes a pydantic model, so that entries are validated,
located and described to editors (JSON Schema) exactly as the rest of the manuscript is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, PlainValidator, Tag, WithJsonSchema, create_model
from pydantic_core import PydanticCustomError

from bookforge.manuscript.base import MADE_CONFIG
from bookforge.manuscript.model import Chapter, Entry, Line, Model, Prose, ProseBlock, block_kind
from bookforge.manuscript.types import DeclaredType, EntryTypes, FieldDeclaration


def _number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


Number = Annotated[int | float, PlainValidator(_number), WithJsonSchema({"type": "number"})]
"""A number as written (`4`, `1.5`); text such as `four` is refused."""


class ImageValue(Model):
    """An image field's value when its type names no separate text-alternative field."""

    src: Line
    """The image file, relative to the project's assets/ folder, e.g. `images/robin.png` (PNG, JPEG, GIF or SVG)."""
    alt: Line | None = None
    """What the image shows, for readers who cannot see it; required unless `decorative: true`."""
    caption: Line | None = None
    """A caption under the image, with inline Markdown."""
    decorative: bool = False
    """`true` for an image that carries no information: readers skip it and it needs no `alt`."""


@dataclass(frozen=True)
class EntryModels:
    """The classes made from one set of entry types."""

    entries: Mapping[str, type[Entry]]
    chapter: type[Chapter]
    """A chapter whose `entries` may be of any of the types."""


_MADE: dict[str, EntryModels] = {}


def entry_models(types: EntryTypes) -> EntryModels:
    """The classes for `types`, made once per process for each set of declarations."""
    made = _MADE.get(types.fingerprint)
    if made is None:
        entries = {kind.name: _entry_class(kind, types) for kind in types}
        made = _MADE[types.fingerprint] = EntryModels(entries, _chapter_class(types, entries))
    return made


def _entry_class(kind: DeclaredType, types: EntryTypes) -> type[Entry]:
    fields: dict[str, Any] = {"type": (Literal[kind.name], Field(description="The entry's type."))}
    for name, field in kind.fields.items():
        fields[name] = (_annotation(field, kind), _field_info(name, field, kind))
    cls = create_model(_class_name(kind.name), __base__=Entry, __config__=MADE_CONFIG,
                       __doc__=kind.declaration.description, __module__=__name__, **fields)
    cls.declared = kind
    cls.__reduce__ = lambda self: (_rebuild, (types, kind.name, self.__getstate__()))  # type: ignore[method-assign]
    return cls


def _chapter_class(types: EntryTypes, entries: Mapping[str, type[Entry]]) -> type[Chapter]:
    """A chapter whose `entries` are prose (`- text: ...`) or entries of the declared types, as Chapter's `Block`."""
    members = tuple(entries.values())
    entry: Any = (Annotated[Union[members], Field(discriminator="type")]  # noqa: UP007
                  if len(members) > 1 else members[0])
    item: Any = Annotated[Union[Annotated[ProseBlock, Tag("prose")], Annotated[entry, Tag("entry")]],  # noqa: UP007
                          Discriminator(block_kind)]
    described = Chapter.model_fields["entries"]
    cls = create_model("Chapter", __base__=Chapter, __config__=MADE_CONFIG, __module__=__name__,
                       __doc__=Chapter.__doc__,
                       entries=(tuple[item, ...], Field(default=(), description=described.description)))
    cls.__reduce__ = lambda self: (_rebuild, (types, None, self.__getstate__()))  # type: ignore[method-assign]
    return cls


def _rebuild(types: EntryTypes, kind: str | None, state: dict) -> Model:
    """Unpickle an entry or a chapter (print layout sends them to other processes): the classes are made again there
    from the declarations."""
    made = entry_models(types)
    cls = made.chapter if kind is None else made.entries[kind]
    obj = cls.__new__(cls)
    obj.__setstate__(state)
    return obj


def _class_name(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_]", name)) or "Entry"


def _annotation(field: FieldDeclaration, kind: DeclaredType) -> Any:
    item: Any = {"line": Line, "prose": Prose, "reference": Line}
    if field.kind == "list":
        return tuple[item[field.item_kind], ...]
    annotation: Any = {
        "line": Line, "prose": Prose, "reference": Line, "number": Number, "boolean": bool,
        "image": Line if field.alt else ImageValue,
        "choice": Literal[tuple(field.values or ("",))],
    }[field.kind]
    return annotation if field.required or field.default is not None else annotation | None


def _field_info(name: str, field: FieldDeclaration, kind: DeclaredType) -> Any:
    extra: dict[str, Any] = {"title": kind.label(name, "en") or name, "description": field.description}
    if field.required:
        return Field(min_length=1, **extra) if field.kind == "list" else Field(**extra)
    if field.kind == "list":
        return Field(default=tuple(field.default or ()), **extra)
    return Field(default=field.default, **extra)
