"""A book project loaded and checked once: the manuscript and every edition's layout, all problems together."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path

from bookforge.errors import BookforgeError, Diagnostic, by_location, did_you_mean
from bookforge.formats import FORMATS, Format
from bookforge.layout.chain import Layout, load_layout
from bookforge.manuscript.load import read_book
from bookforge.manuscript.model import Book, Edition


@dataclass(frozen=True)
class Project:
    """Everything a build, a preview or a check needs, resolved and validated before anything renders."""

    root: Path
    book: Book
    layouts: Mapping[str, Layout]
    """Each edition's layout, by edition name."""
    page_list_sources: Mapping[str, str]
    """{ebook edition: the print edition whose page breaks it carries}."""

    @property
    def editions(self) -> Mapping[str, Edition]:
        return self.book.editions

    def format(self, edition: str) -> Format:
        return FORMATS[self.book.editions[edition].format]

    def select(self, names: tuple[str, ...] | list[str] = ()) -> list[str]:
        """The editions named (every edition when none is), in the order given; an unknown name is an error."""
        if not names:
            return list(self.editions)
        unknown = [name for name in names if name not in self.editions]
        if unknown:
            raise BookforgeError([Diagnostic("unknown-edition", f"the book has no edition `{name}`",
                                             hint=did_you_mean(name, self.editions)) for name in unknown])
        return list(dict.fromkeys(names))


def load_project(root: Path, fonts_read: MutableMapping[str, str] | None = None) -> Project:
    """Load the manuscript and every edition's layout; raise with every problem found in any of them.

    `fonts_read` (a build's store) keeps which font files were read whole by an earlier load (layout/chain.py).
    """
    root = root.resolve()
    book, editions, problems = read_book(root)
    layouts: dict[str, Layout] = {}
    for name, edition in (editions or {}).items():
        try:
            layouts[name] = edition_layout(root, name, edition, fonts_read)
        except BookforgeError as exc:
            problems.extend(exc.diagnostics)
    sources, found = _page_list_sources(editions or {})
    problems.extend(found)
    if problems or book is None:
        raise BookforgeError(sorted(dict.fromkeys(problems), key=by_location))
    chains = {name: tuple(layer.name for layer in layout.chain) for name, layout in layouts.items()}
    return Project(root=root, book=replace(book, edition_layouts=chains), layouts=layouts,
                   page_list_sources=sources)


def edition_layout(root: Path, name: str, edition: Edition,
                   fonts_read: MutableMapping[str, str] | None = None) -> Layout:
    """The edition's layout, which must make what the edition's format needs."""
    layout = load_layout(root, edition.layout, edition.location_of("layout"), fonts_read)
    needed = FORMATS[edition.format].layout
    if layout.format != needed:
        raise BookforgeError([Diagnostic(
            "layout-format", f"edition `{name}` is `{edition.format}` but layout `{layout.name}` makes "
            f"`{layout.format or 'nothing'}`", edition.location_of("format"),
            "choose a layout that extends `ebook` for EPUB editions and `print` for PDF editions")])
    return layout


def _page_list_sources(editions: Mapping[str, Edition]) -> tuple[dict[str, str], list[Diagnostic]]:
    """{ebook edition: the print edition whose pages it carries}, and the problems of wrong `page_list_from`s."""
    sources, problems = {}, []
    prints = [name for name, edition in editions.items() if FORMATS[edition.format].paged]
    for name, edition in editions.items():
        source = edition.page_list_from
        if source is None:
            continue
        where = edition.location_of("page_list_from")
        if FORMATS[edition.format].paged:
            problems.append(Diagnostic("page-list-source", f"`page_list_from` is for ebook editions; `{name}` is a "
                                       "print edition", where, "remove it, or set it on an EPUB edition"))
        elif source not in editions:
            problems.append(Diagnostic("page-list-source", f"the book has no edition `{source}`", where,
                                       did_you_mean(source, prints) or f"print editions: {', '.join(prints) or 'none'}"))
        elif source not in prints:
            problems.append(Diagnostic("page-list-source", f"`{source}` is not a print edition: only a PDF edition "
                                       "has pages", where, did_you_mean(source, prints)))
        else:
            sources[name] = source
    return sources, problems
