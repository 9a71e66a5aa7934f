"""(Book, edition, Layout) -> Rendition: the one Jinja environment renders every document; nothing is written here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
import lxml.html
from lxml import etree
from markupsafe import Markup

from bookforge import budget
from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.formats import PAGED_LAYOUTS
from bookforge.layout.chain import Layout, LayoutLayer
from bookforge.layout.direction import text_direction
from bookforge.layout.geometry import (
    MAX_COVER_INCHES,
    MAX_PAGE_INCHES,
    gutter_for,
    parse_trim,
)
from bookforge.layout.language import labels_for
from bookforge.manuscript.model import (
    Book,
    Edition,
    ImageFile,
    edition_parts,
    figures,
)
from bookforge.render import allowlist, markup, matter, typography
from bookforge.render.located import render_source, render_template
from bookforge.render.entries import EntryViews, uses_declared_types
from bookforge.render.fonts import FontChain, font_chain
from bookforge.render.matter import book_view
from bookforge.render.sandbox import BookSandbox, checked_filter, reset_counts
from bookforge.render.views import part_views

CHUNK_SIZE = 60_000
"""Characters of HTML in a print edition's chunk, by default (render's `chunk_size`)."""


@dataclass(frozen=True)
class RenderedDocument:
    """One output document: an EPUB content document, or the whole book as one HTML for print."""

    id: str
    href: str
    title: str
    """Plain text, for the nav, NCX and bookmarks."""
    kind: str
    role: str
    content: str
    in_toc: bool = True
    division: str | None = None
    """The id of the part of the book (a document of kind `part`) it belongs to, for a nested contents."""
    contents: tuple[tuple[str, str], ...] = ()
    """(href, title) of the entries (or groups of entries) this document lists under its own line in the contents."""


@dataclass(frozen=True)
class PrintChunk:
    """Consecutive parts of a print edition, to be laid out as a document of their own (see chunks.py).

    `content` is the whole book's HTML in which every other part is an empty shell (`data-bookforge-shell`), so
    that selectors such as `.part:first-child` match as they do in the whole book; the part just before the
    chunk is an empty, visible shell (`data-bookforge-prelude`) that starts the document's first page.
    """

    parts: tuple[str, ...]
    content: str
    own_html: str
    """The HTML of the chunk's own parts: the ids it has and the links it makes."""


@dataclass(frozen=True)
class Rendition:
    """Everything a writer needs, in memory: documents, stylesheets, fonts and metadata."""

    book: Book
    edition_name: str
    edition: Edition
    layout: Layout
    title: str
    subtitle: str | None
    creators: tuple[tuple[str, str, str | None], ...]
    """(name, role, file-as) as plain text."""
    description: str | None
    documents: tuple[RenderedDocument, ...]
    stylesheets: tuple[tuple[str, str], ...]
    """(path in the book, CSS) base layout first."""
    fonts: Mapping[str, bytes] = field(default_factory=dict)
    images: Mapping[str, ImageFile] = field(default_factory=dict)
    """The images this edition's figures show, by their path in the book (the `src` of the figure)."""
    labels: Mapping[str, str] = field(default_factory=dict)
    rendered_parts: tuple[str, ...] = ()
    """Ids of the parts rendered by this call; the others came from the fragment cache."""
    chunks: tuple[PrintChunk, ...] = ()
    """A print edition split where parts begin: the front matter, then each later part."""
    fallback: FontChain = FontChain()
    """The fonts after the book face (render/fonts.py), what no font has, and the warnings about it."""

    @property
    def language(self) -> str:
        return self.book.metadata.language


def render(book: Book, edition_name: str, layout: Layout, page_count: int | None = None,
           fragments: MutableMapping[str, str] | None = None, chunk_size: int = CHUNK_SIZE) -> Rendition:
    """Render one edition, within RENDER_SECONDS and RENDER_MEMORY.

    `page_count`, known after a first print layout, sizes an `auto` gutter. `fragments` holds the HTML of
    parts rendered before, by a hash of everything that went into them: a part found there is not rendered
    again (the orchestrator keeps it on disk between builds). A print edition is also cut into chunks of at least
    `chunk_size` characters of HTML (see `_chunk_bounds`).
    """
    with _budget(layout), typography.book_quotes(book.metadata.language, book.quotes):
        return _render_edition(book, edition_name, layout, page_count, fragments, chunk_size)


def _render_edition(book: Book, edition_name: str, layout: Layout, page_count: int | None,
                    fragments: MutableMapping[str, str] | None, chunk_size: int) -> Rendition:
    meta, lang = book.metadata, book.metadata.language
    env = _environment(layout)
    labels = labels_for(lang, book.labels)
    images = {book.images[figure.src].path for figure in figures(edition_parts(book, edition_name))}
    chain = font_chain(book, edition_name, layout, "".join(labels.values()))
    stylesheets = _stylesheets(env, layout, _css_context(book, layout, page_count, chain), [*images, *chain.fonts])
    single_document = layout.format in PAGED_LAYOUTS  # one HTML document, laid out in pages
    edition = edition_parts(book, edition_name)
    entries = EntryViews(edition, lang, single_document, book.images,
                         {name for layer in layout.chain for name in layer.templates}, book.labels)
    parts = part_views(book, edition, single_document, labels, entries, layout, fragments)
    if any(p.get("book_notes") for p in parts):  # notes: book-end
        last_body = max(i for i, p in enumerate(parts) if p["role"] == "body" or p.get("book_notes"))
        parts.insert(last_body + 1, matter.book_notes_view(parts, labels, single_document))
    context = {"book": book_view(book, edition_name, labels), "settings": layout.settings, "labels": labels,
               "toc": [{key: p.get(key) for key in ("id", "kind", "role", "href", "title", "title_text", "division",
                                                      "label", "contents")}
                       for p in parts if p["in_toc"]],
               "stylesheets": [path for path, _ in stylesheets], "edition_format": layout.format}
    rendered = _render_parts(env, layout, context, parts, {} if fragments is None else fragments)
    if single_document:
        first_body = next((i for i, p in enumerate(parts) if p["role"] == "body"), len(parts))

        def book_html(views: list[dict[str, Any]]) -> str:
            return _render(env, "book.html", {**context, "front_parts": views[:first_body],
                                              "main_parts": views[first_body:]}, layout)

        content = book_html(parts)
        documents = (RenderedDocument("book", "book.html", markup.plain(meta.title, lang), "book", "body", content),)
        try:
            chunks = tuple(PrintChunk(tuple(p["id"] for p in parts[start:end]),
                                      book_html(_shelled(parts, start, end)),
                                      "".join(p["html"] for p in parts[start:end]))
                           for start, end in _chunk_bounds([len(p["html"]) for p in parts], max(first_body, 1),
                                                            chunk_size))
        except ValueError:  # a part template that makes more than one element: the book is laid out whole
            chunks = ()
    else:
        documents = tuple(
            RenderedDocument(p["id"], p["href"], p["title_text"], p["kind"], p["role"],
                             _render(env, "document.xhtml", {**context, "part": p}, layout),
                             in_toc=p["in_toc"], division=p.get("division"),
                             contents=tuple((c["href"], c["title_text"]) for c in p.get("contents", ())))
            for p in parts)
        chunks = ()
    return _rendition(book, edition_name, layout, documents, stylesheets, labels, chain, rendered, chunks)


def _chunk_bounds(sizes: list[int], front: int, chunk_size: int) -> list[tuple[int, int]]:
    """[start, end) of each chunk: the first `front` parts (short, and they refer to the rest), then the others in
    runs of at least `chunk_size` characters of HTML (a chunk costs ~0.1 s more than its pages; CHUNK_SIZE is ~20
    pages here; 1 makes a chunk of each part). An edit moves a run's end only if it takes the run across that size
    at its last part."""
    bounds, start = [(0, min(front, len(sizes)))], front
    while start < len(sizes):
        end, size = start, 0
        while end < len(sizes) and size < chunk_size:
            size += sizes[end]
            end += 1
        bounds.append((start, end))
        start = end
    return bounds


def _shelled(parts: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    """The part views with only parts[start:end] whole; the others empty shells, the one before `start` visible."""
    views = []
    for i, part in enumerate(parts):
        if start <= i < end:
            views.append(part)
        else:
            marker = "data-bookforge-prelude" if i == start - 1 else "data-bookforge-shell"
            views.append({**part, "html": Markup(_shell(part["html"], marker))})
    return views


def _shell(html: str, marker: str) -> str:
    """A part's outermost element, without content or id, marked; ValueError if the part is not one element."""
    try:
        element = lxml.html.fragment_fromstring(html.strip())
    except etree.ParserError as exc:
        raise ValueError(str(exc)) from None
    attributes = {name: value for name, value in element.attrib.items() if name != "id"}
    element.clear()
    element.attrib.update({**attributes, marker: ""})
    return lxml.html.tostring(element, encoding="unicode")


def _render_parts(env: BookSandbox, layout: Layout, context: dict[str, Any], parts: list[dict[str, Any]],
                  fragments: MutableMapping[str, str]) -> tuple[str, ...]:
    """Give each part its `html`, from `fragments` when nothing that goes into it changed; returns the ids rendered."""
    # What every part is rendered with (the layout's templates, the book's context), written out once.
    common = hashlib.sha256(json.dumps([[dict(layer.templates) for layer in layout.chain], context], sort_keys=True,
                                       default=str).encode() + b"\0")
    rendered = []
    for part in parts:
        hashed = common.copy()
        hashed.update(json.dumps(part, sort_keys=True, default=str).encode())
        key = hashed.hexdigest()
        html = fragments.get(key)
        if html is None:
            html = fragments[key] = _render(env, part["template"], {**context, "part": part}, layout)
            rendered.append(part["id"])
        part["html"] = Markup(html)
    return tuple(rendered)


class _LayerLoader(jinja2.BaseLoader):
    """One layout folder's templates, named by their file so that errors point into it."""

    def __init__(self, layer: LayoutLayer):
        self.layer = layer

    def get_source(self, environment, template):
        if template not in self.layer.templates:
            raise jinja2.TemplateNotFound(template)
        return self.layer.templates[template], f"{self.layer.folder}/templates/{template}", lambda: True


def _environment(layout: Layout) -> BookSandbox:
    """Templates resolve along the layout chain; `@name/file.html` reaches layout `name` and its parents. The
    sandbox bounds what one template can make (sandbox.py)."""
    layers = [_LayerLoader(layer) for layer in layout.chain]
    prefixed = {f"@{layer.name}": jinja2.ChoiceLoader(layers[i:]) for i, layer in enumerate(layout.chain)}
    loader = jinja2.ChoiceLoader([jinja2.PrefixLoader(prefixed, delimiter="/"), *layers])
    env = BookSandbox(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["css_string"] = checked_filter("css_string",
                                               lambda value: json.dumps(str(value), ensure_ascii=False))
    env.filters["tie_last_words"] = checked_filter("tie_last_words", matter.tie_last_words)
    return env


# Every render of an edition or a cover gets this much time and memory; a book's templates take well under a second
# (the benchmark's 85,000 words: ~0.05 s) and a few MB.
RENDER_SECONDS = 30.0
RENDER_MEMORY = 1024 * 1024 * 1024
OUTPUT_INTENT = "color/output-intent.icc"
"""The CMYK profile the print writer serves to PDF/X stylesheets."""


def _budget(layout: Layout):
    """RENDER_SECONDS and RENDER_MEMORY for what follows; running over is a located problem naming the layout."""
    reset_counts()
    return budget.limited(RENDER_SECONDS, RENDER_MEMORY, problem=lambda reason: BookforgeError([Diagnostic(
        "template-budget", f"rendering with this layout {reason}", Location(f"{layout.chain[0].folder}/templates"),
        "look for loops inside loops, or macros calling themselves, in the layout's templates")]))


def page_geometry(settings: Mapping[str, Any], page_count: int | None) -> dict[str, str]:
    """Trim and margins as CSS lengths, with presets and an `auto` gutter resolved."""
    trim = parse_trim(settings["trim"])
    assert trim is not None, "layout.py validates the trim"
    margins = dict(settings["margins"])
    if margins["inside"] == "auto":
        margins["inside"] = gutter_for(page_count or 0)
    return {"width": trim.width, "height": trim.height, "bleed": settings["bleed"], **margins}


def _stylesheets(env: BookSandbox, layout: Layout, context: dict[str, Any],
                 files: Collection[str] = ()) -> tuple[tuple[str, str], ...]:
    """Every stylesheet along the chain, base first, each rendered with the layout's settings; each may refer only to
    the book's own fonts, images and stylesheets, and ask for a page printers print (allowlist.py)."""
    css_env = env.overlay(autoescape=False)
    sheets, sources = [], []
    for depth, layer in enumerate(reversed(layout.chain)):
        for name, source in layer.styles:
            where = Location(f"{layer.folder}/styles/{name}")
            css = render_source(css_env, source, {"settings": layout.settings, **context}, where)
            if css.strip():  # a sheet for what this book does not have (entries.css) renders to nothing
                sheets.append((f"styles/{depth}-{layer.name}-{name}", css))
                sources.append(where)
    book = allowlist.Book([*layout.fonts, *files, OUTPUT_INTENT], stylesheets=[path for path, _ in sheets])
    problems = allowlist.check_stylesheets([(path, css, where) for (path, css), where in zip(sheets, sources)], book,
                                           MAX_PAGE_INCHES)
    if problems:
        raise BookforgeError(problems)
    return tuple(sheets)


def _render(env: BookSandbox, name: str, context: dict[str, Any], layout: Layout) -> str:
    return render_template(env, name, context, layout)


def _check_documents(documents: tuple[RenderedDocument, ...], layout: Layout, stylesheets: Collection[str],
                     images: Collection[str], cover: bool) -> None:
    """Every rendered document against what a book's documents may hold; refused at the template that made it."""
    book = allowlist.Book([*layout.fonts, *images, OUTPUT_INTENT], [d.href for d in documents], stylesheets)
    xml = layout.format == "epub" and not cover
    problems = []
    for document in documents:
        templates = ("cover.html",) if cover else (f"{document.kind}.html", "document.xhtml", "book.html")
        for found in allowlist.check_document(document.content, document.href, book, xml,
                                              MAX_COVER_INCHES if cover else MAX_PAGE_INCHES):
            problems.append(Diagnostic("unsafe-markup", f"the layout makes {found.message}",
                                       allowlist.locate(layout, found.needle, *templates),
                                       "a layout may make only what a book needs: text, images of the book, "
                                       "links, its own stylesheets (no scripts, frames, objects or forms)"))
    if problems:
        raise BookforgeError(list(dict.fromkeys(problems)))


def render_cover(book: Book, edition_name: str, layout: Layout, cover: Mapping[str, Any],
                 images: Mapping[str, ImageFile] | None = None) -> Rendition:
    """The print cover wrap: the layout's `cover.html` (drawing its front with the base `cover-front.html`), with
    the book's metadata as `book`, the wrap's geometry and colours as `cover`, and only the base layout's
    stylesheets (fonts and shared typography: the interior's page rules do not apply to a cover); `images` (by
    path) are those the cover shows, such as the author's front."""
    with _budget(layout), typography.book_quotes(book.metadata.language, book.quotes):
        return _render_cover(book, edition_name, layout, cover, images or {})


def _render_cover(book: Book, edition_name: str, layout: Layout, cover: Mapping[str, Any],
                  images: Mapping[str, ImageFile]) -> Rendition:
    env = _environment(layout)
    labels = labels_for(book.metadata.language, book.labels)
    chain = font_chain(book, edition_name, layout, "".join(labels.values()))
    sheets = _stylesheets(env, layout, _css_context(book, layout, None, chain), chain.fonts)
    base_sheets = tuple(sheet for sheet in sheets if sheet[0].startswith(f"styles/0-{layout.chain[-1].name}-"))
    context = {"book": book_view(book, edition_name, labels), "settings": layout.settings, "labels": labels,
               "cover": cover, "stylesheets": [path for path, _ in base_sheets]}
    content = _render(env, "cover.html", context, layout)
    title = markup.plain(book.metadata.title, book.metadata.language)
    return _rendition(book, edition_name, layout, (RenderedDocument("cover", "cover.html", title, "cover", "cover",
                                                                    content),), base_sheets, labels, chain,
                      with_images=False, cover_images=images)


def _css_context(book: Book, layout: Layout, page_count: int | None, chain: FontChain) -> dict[str, Any]:
    """What stylesheets see besides `settings`: the book's title and author (for running heads), the page, the
    fallback fonts (render/fonts.py), the text's direction, whether the book has notes (footnotes float only then:
    a float makes print lay the book out whole) and entry types of its own (the generic entries' stylesheet is
    rendered only then)."""
    meta, lang = book.metadata, book.metadata.language
    return {"book_title": markup.plain(meta.title, lang), "author": markup.plain(meta.creators[0].name, lang),
            "page": page_geometry(layout.settings, page_count), "notes_in_book": matter.has_notes(book),
            "declared_entries": uses_declared_types(book.entry_types), "fallback_fonts": chain.families,
            "fallback_faces": chain.faces, "direction": text_direction(lang)}


def _rendition(book: Book, edition_name: str, layout: Layout, documents: tuple[RenderedDocument, ...],
               stylesheets: tuple[tuple[str, str], ...], labels: dict[str, str], chain: FontChain,
               rendered: tuple[str, ...] = (), chunks: tuple[PrintChunk, ...] = (),
               with_images: bool = True, cover_images: Mapping[str, ImageFile] | None = None) -> Rendition:
    meta, lang = book.metadata, book.metadata.language
    shown = figures(edition_parts(book, edition_name)) if with_images else ()
    images = {book.images[figure.src].path: book.images[figure.src] for figure in shown} | dict(cover_images or {})
    _check_documents(documents, layout, [path for path, _ in stylesheets], images, cover=not with_images)
    return Rendition(book=book, edition_name=edition_name, edition=book.editions[edition_name], layout=layout,
                     title=markup.plain(meta.title, lang),
                     subtitle=markup.plain(meta.subtitle, lang) if meta.subtitle else None,
                     creators=tuple((markup.plain(c.name, lang), c.role, c.file_as) for c in meta.creators),
                     description=markup.plain(meta.description, lang) if meta.description else None,
                     documents=documents, stylesheets=stylesheets, fonts={**layout.fonts, **chain.fonts},
                     labels=labels, rendered_parts=rendered, images=images, chunks=chunks, fallback=chain)
