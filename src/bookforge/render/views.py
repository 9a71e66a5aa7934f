"""The view of each part that its template renders (its texts turned into HTML), kept between builds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping
from typing import Any

from markupsafe import Markup

from bookforge.layout.chain import Layout
from bookforge.manuscript.labels import fill
from bookforge.manuscript.model import Book, ImageFile, Part
from bookforge.render import matter
from bookforge.render.entries import EntryViews
from bookforge.stores import tool_fingerprint


def part_views(book: Book, edition: tuple[Part, ...], single_document: bool, labels: dict[str, str],
               entries: EntryViews, layout: Layout, fragments: MutableMapping[str, str] | None) -> list[dict[str, Any]]:
    """Each part's view (its texts turned into HTML), from `fragments` when the part and everything its conversion
    consults are as they were: an edit converts only its own part's Markdown again.

    The key holds bookforge itself (its code converts), the layout's settings, the language, labels and quotation
    marks (the book's own too), the edition's link targets and images, and the part as loaded (repr: every field of
    the part and its chapter).
    """
    lang, images, notes = book.metadata.language, book.images, layout.settings["notes"]
    if fragments is None:
        return [part_view(part, lang, single_document, labels, images, entries, notes) for part in edition]
    common = json.dumps([VIEW_FORMAT, tool_fingerprint(), lang, single_document, labels, layout.settings,
                         book.quotes, entries.overrides, sorted(entries.targets.items(), key=repr),
                         sorted(entries.templates), entries.page,
                         {src: [repr(image), hashlib.sha256(image.data).hexdigest()] for src, image in images.items()}],
                        sort_keys=True, default=repr)
    views = []
    for part in edition:
        source = part.chapter.source if part.chapter is not None else ""
        key = hashlib.sha256(f"{common}\0{source}\0{part!r}".encode()).hexdigest()
        stored = fragments.get(key)
        if stored is not None:
            views.append(_restored(stored))
            continue
        view = part_view(part, lang, single_document, labels, images, entries, notes)
        fragments[key] = _stored(view)
        views.append(view)
    return views


VIEW_FORMAT = "part-view-2"
_MARKUP = "\0markup"
"""A part view's HTML (Markup, which templates do not escape) in its stored JSON: {_MARKUP: html}."""
_ENTRY = "\0entry"
"""A block that is one of the part's entries, by its place in `entries` (stored once: half a chapter's view)."""


def _stored(view: dict[str, Any]) -> str:
    places = {id(entry): n for n, entry in enumerate(view.get("entries", ()))}
    if "blocks" in view:
        view = {**view, "blocks": [{**block, "entry": {_ENTRY: places[id(block["entry"])]}}
                                   if id(block.get("entry")) in places else block for block in view["blocks"]]}
    return json.dumps(_tagged(view), ensure_ascii=False)


def _restored(stored: str) -> dict[str, Any]:
    view = json.loads(stored, object_hook=_untagged)
    for block in view.get("blocks", ()):
        entry = block.get("entry")
        if isinstance(entry, dict) and _ENTRY in entry:
            block["entry"] = view["entries"][entry[_ENTRY]]
    return view


def _tagged(value: Any) -> Any:
    if isinstance(value, Markup):
        return {_MARKUP: str(value)}
    if isinstance(value, dict):
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_tagged(item) for item in value]
    return value


def _untagged(value: dict[str, Any]) -> Any:
    return Markup(value[_MARKUP]) if len(value) == 1 and _MARKUP in value else value


GENERATED_TITLES = {"title-page": "title_page", "copyright-page": "copyright", "table-of-contents": "contents",
                    "half-title": "half_title", "also-by": "also_by"}


def part_view(part: Part, lang: str, single_document: bool, labels: dict[str, str],
               images: Mapping[str, ImageFile], entries: EntryViews, notes: str = "footnotes") -> dict[str, Any]:
    epub_type, aria_role = matter.semantics(part)
    view: dict[str, Any] = {
        "id": part.id, "kind": part.kind, "role": part.role, "template": f"{part.kind}.html",
        "epub_type": epub_type, "aria_role": aria_role,
        "href": f"#{part.id}" if single_document else f"{part.id}.xhtml",
        "title_text": fill(labels[GENERATED_TITLES[part.kind]]) if part.kind in GENERATED_TITLES else "",
        "entries": [], "in_toc": part.in_toc and part.chapter is not None,  # generated pages are not listed
        "division": part.division,
        # Classes besides `part ROLE`: the type of front or back matter, and a chapter's place in a part.
        "classes": {"chapter": "", "part": " division"}.get(part.kind, f" {part.kind}")
                   + (" in-part" if part.division else ""),
        "store_links": not single_document,
        "contents": [],
    }
    chapter = part.chapter
    if chapter is None:
        return view
    view.update(matter.chapter_content(part, chapter, view, lang, labels, images, notes, entries))
    return view
