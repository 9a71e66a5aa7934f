"""The items of book.yaml's `contents`: generated pages, manuscript files (chapters, and front and back matter by
type), and parts of the book that group chapters."""

from __future__ import annotations

import typing
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Discriminator, Field, Tag, create_model

from bookforge.manuscript.base import MADE_CONFIG, Line, Model, Prose


class FileRef(Model):
    """An item of `contents` that names a manuscript file (`KEY: FILE`), a chapter or front or back matter."""

    KEY: ClassVar[str] = ""
    toc: bool | None = None
    """Whether the table of contents lists it: by default chapters and titled front and back matter are listed,
    a dedication and an epigraph are not."""

    @property
    def file(self) -> str:
        return getattr(self, self.KEY.replace("-", "_"))


class ChapterRef(FileRef):
    KEY: ClassVar[str] = "chapter"
    chapter: Line
    """A chapter file, relative to `manuscript/`: YAML, or Markdown (`.md`) with YAML front matter."""


class FrontMatterRef(FileRef):
    KEY: ClassVar[str] = "frontmatter"
    frontmatter: Line
    """A front-matter file of no particular type, relative to `manuscript/`."""


class BackMatterRef(FileRef):
    KEY: ClassVar[str] = "backmatter"
    backmatter: Line
    """A back-matter file of no particular type (an appendix), relative to `manuscript/`."""


MATTER: dict[str, str] = {
    "dedication": "A dedication: its text alone, on a right-hand page, with no heading.",
    "epigraph": "The book's epigraph: a quotation and its source (a last line starting with `—`), on a page of its "
                "own.",
    "foreword": "A foreword, usually by someone other than the author.",
    "preface": "The author's preface.",
    "introduction": "An introduction.",
    "prologue": "A prologue: the story's opening, before the first chapter.",
    "epilogue": "An epilogue: the story's close, after the last chapter.",
    "afterword": "An afterword.",
    "acknowledgements": "The acknowledgements.",
    "about-the-author": "About the author.",
    "colophon": "A colophon: how the book was made.",
}
"""Front and back matter by type (`foreword: FILE`): each has its heading, semantics and template in the layouts."""
UNTITLED_MATTER = ("dedication", "epigraph")
"""Types that show no heading."""
BODY_MATTER = ("prologue", "epilogue")
"""Types that belong to the story: the main matter's page numbers run through them."""
BACK_MATTER = ("afterword", "acknowledgements", "about-the-author", "colophon")
"""Types that are back matter when an edition adds them (`extra`); in `contents`, their place says which."""


def _matter_ref(key: str, description: str) -> type[FileRef]:
    name = "".join(word.title() for word in key.split("-")) + "Ref"
    model = create_model(name, __base__=FileRef, __config__=MADE_CONFIG,
                         **{key.replace("-", "_"): (Line, Field(alias=key, description=description + " A file "
                                                                "relative to `manuscript/`."))})
    model.KEY = key
    return model


FILE_REFS: dict[str, type[FileRef]] = {"chapter": ChapterRef, "frontmatter": FrontMatterRef,
                                       "backmatter": BackMatterRef,
                                       **{key: _matter_ref(key, text) for key, text in MATTER.items()}}
GeneratedPage = Literal["half-title", "title-page", "copyright-page", "table-of-contents", "also-by"]
GENERATED_PAGES: tuple[str, ...] = typing.get_args(GeneratedPage)


def _content_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "page"
    if isinstance(value, dict):
        keys = [key for key in value if key in FILE_REFS or key == "part"]
        return keys[0] if len(keys) == 1 else None
    if isinstance(value, FileRef):
        return value.KEY
    if isinstance(value, Division):
        return "part"
    return None


_FILE_MESSAGE = "`chapter: FILE`, a type of front or back matter (`foreword: FILE`...), `frontmatter: FILE`, " \
                "`backmatter: FILE`"
_FILE_UNION = tuple(Annotated[model, Tag(key)] for key, model in FILE_REFS.items())
FileItem = Annotated[
    Union[_FILE_UNION],  # type: ignore[valid-type]
    Discriminator(_content_kind, custom_error_type="content_item", custom_error_message=f"expected {_FILE_MESSAGE}"),
]


class Division(Model):
    """`part: TITLE`: a part of the book, whose chapters (its `contents`) follow a part title page."""

    part: Line
    """The part's title, e.g. `The Crossing`."""
    label: Line | None = None
    """A line over the title, e.g. `Part One`."""
    text: Prose | None = None
    """Text on the part's title page (an epigraph, a few lines of introduction)."""
    contents: tuple[FileItem, ...] = Field(min_length=1)
    """The part's chapters, in reading order: `chapter: FILE` and, for a story, `prologue`/`epilogue: FILE`."""


ContentItem = Annotated[
    Union[(Annotated[GeneratedPage, Tag("page")], *_FILE_UNION, Annotated[Division, Tag("part")])],  # type: ignore
    Discriminator(_content_kind, custom_error_type="content_item",
                  custom_error_message="expected a generated page (" + ", ".join(f"`{page}`" for page in
                  GENERATED_PAGES) + f"), {_FILE_MESSAGE}, or `part: TITLE` with its `contents`"),
]
