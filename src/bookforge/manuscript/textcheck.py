"""Every text of a chapter (or of book.yaml) checked at load, each problem located where it is written: in the YAML
value, or in the Markdown file's body; and the figures written in prose, made into entries of the declared `figure`
type to load."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bookforge.errors import Diagnostic, Location
from bookforge.manuscript.model import Entry
from bookforge.manuscript.prose import survey
from bookforge.manuscript.yamlfile import YamlDocument

_NOT_TEXT = {"type", "src", "alt", "decorative"}
_INLINE = {"title", "short_title", "caption", "part", "label"}
_INLINE_KINDS = ("line", "reference", "choice")
"""Kinds of a declared field whose text is one line of inline Markdown; `prose` (and lists of it) may have blocks."""


def check_prose(model: object, path: tuple, doc: YamlDocument, problems: list[Diagnostic],
                figure: type[Entry] | None = None) -> list[Entry]:
    """Check every text of `model` (a chapter, a part of book.yaml, the metadata), read from `doc` at `path`;
    return the figures written in its prose as entries of `figure` (the declared `figure` type), located at their
    `src`. An entry's fields are checked as its type declares them (a list of prose item by item)."""
    found: list[Entry] = []
    if isinstance(model, Entry) and model.declared is not None:
        return _check_entry(model, path, doc, problems, figure)
    for name, value in model:
        where = path + (name,)
        if isinstance(value, str) and name not in _NOT_TEXT:
            found += _check_value(value, where, doc, problems, figure, inline=name in _INLINE)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    found += check_prose(item, where + (index,), doc, problems, figure)
    return found


def _check_entry(entry: Entry, path: tuple, doc: YamlDocument, problems: list[Diagnostic],
                 figure: type[Entry] | None) -> list[Entry]:
    kind = entry.declared
    found: list[Entry] = []
    for name, field in kind.fields.items():
        value: Any = getattr(entry, name)
        if value is None or name in kind.companions:  # a text alternative is plain text
            continue
        where = path + (name,)
        if field.kind == "image":
            if not isinstance(value, str) and value.caption:
                found += _check_value(value.caption, where + ("caption",), doc, problems, figure, inline=True)
        elif field.kind == "list":
            for index, item in enumerate(value):
                found += _check_value(item, where + (index,), doc, problems, figure,
                                      inline=field.item_kind in _INLINE_KINDS)
        elif isinstance(value, str):
            found += _check_value(value, where, doc, problems, figure, inline=field.kind in _INLINE_KINDS)
    return found


def _check_value(text: str, path: tuple, doc: YamlDocument, problems: list[Diagnostic], figure: type[Entry] | None,
                 *, inline: bool) -> list[Entry]:
    if inline and "[" not in text:
        return []
    found, images = survey(text, inline=inline)
    if not found and not images:
        return []
    start = _index_of(doc, doc.where(path))
    figures = []
    for problem in found:
        problems.append(Diagnostic(problem.code, problem.message, _locate(doc, problem.snippet, start, path),
                                   problem.hint))
    for image in images:
        if not image.alt and not image.decorative:
            continue  # reported above
        if figure is None:  # the declarations have mistakes: the book is not built, so there is nothing to load
            continue
        entry = figure(type="figure", src=image.src, alt=image.alt or None, caption=image.caption,
                       decorative=image.decorative)
        where = _locate(doc, f"]({image.src}", start, path, skip=2)  # at the file's name
        entry._location, entry._field_locations = where, {"src": where}
        figures.append(entry)
    return figures


def _index_of(doc: YamlDocument, where: Location) -> int:
    if not doc.source or not where.line:
        return 0
    index = 0
    for _ in range(where.line - 1):
        index = doc.source.find("\n", index) + 1
        if index == 0:
            return 0
    return index + max(where.column - 1, 0)


def _locate(doc: YamlDocument, snippet: str, start: int, path: tuple, skip: int = 0) -> Location:
    """Where `snippet` is first written at or after the value's start (plus `skip` characters); the value's own
    place if it is not found (a folded line can split it)."""
    found = doc.source.find(snippet, start) if doc.source else -1
    if found == -1:
        return doc.where(path)
    found += skip
    line_start = doc.source.rfind("\n", 0, found) + 1
    return Location(doc.file, doc.source.count("\n", 0, found) + 1, found - line_start + 1)
