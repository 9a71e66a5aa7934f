"""The base of the document model: located, frozen pydantic models, and the two kinds of text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PrivateAttr, StringConstraints

from bookforge.errors import Location

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""One line of text with inline Markdown (a title, a name)."""
Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Paragraphs separated by blank lines, with inline Markdown (*emphasis*, **strong**, [links](https://...))."""


MADE_CONFIG = ConfigDict(use_attribute_docstrings=False)
"""For models made with `create_model`: they have no source to read attribute docstrings from (their fields carry
descriptions), and pydantic looks for it in every frame of the stack (~2 ms a model before Python 3.13)."""


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
