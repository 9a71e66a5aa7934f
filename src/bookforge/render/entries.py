"""Entries as templates see them, made from their types' declarations: every field rendered by its kind, in order and
labelled, references as links, and group headings and contents lines for the types that ask for them."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from typing import Any

from markupsafe import Markup

from bookforge.layout import language
from bookforge.layout.language import labels_for
from bookforge.manuscript.model import Entry, ImageFile, Part, ProseBlock
from bookforge.manuscript.ordering import group_label
from bookforge.manuscript.references import reference_key, titled
from bookforge.manuscript.types import FieldDeclaration
from bookforge.render import markup, typography

GENERIC_TEMPLATE = "entry.html"
"""Sets an entry of a type that has no `entry-<type>.html` in the layout chain: every field in order, labelled."""
SHORT_KINDS = ("line", "number", "choice", "boolean", "reference")
"""Kinds set together on one line (`Serves 4 · Time 1 hour`) when they follow one another; so are lists of
references (`See also Pea Soup, Lentil Soup`)."""
# Words (letters and digits) parted by one space or a comma, semicolon, colon or middle dot, with an optional stop
# at the end: no Markdown, nothing for the typographer to change and nothing to escape. A dictionary's fields are
# mostly such text (`noun`, `a·ban·don`, `To leave behind for good.`): they skip the Markdown parser, whose output
# for them is the text itself (tests/manuscript/test_types.py checks that on every such value of the test books).
PLAIN = re.compile(r"[^\W_]+(?:(?:[,;:]? |·)[^\W_]+)*[.!?]?")


def _plain(text: str, language: str) -> bool:
    """Text the parser and the typographer would give back as it is (French puts spaces before `; : ! ?`)."""
    return bool(PLAIN.fullmatch(text)) and not typography.spaces_punctuation(text, language)


def inline(text: str, language: str) -> str:
    """markup.inline, without the parser for plain text."""
    return text if _plain(text, language) else markup.inline(text, language)


def prose(text: str, language: str) -> str:
    """markup.prose, without the parser for one plain sentence (one that starts with a number could be a list)."""
    return f"<p>{text}</p>" if _plain(text, language) and not text[0].isdigit() else markup.prose(text, language)


class EntryViews:
    """Makes the views of one edition's entries: `single_document` for print, where links stay in one document and
    a reference also gives the page it leads to."""

    def __init__(self, parts: tuple[Part, ...], language: str, single_document: bool,
                 images: Mapping[str, ImageFile], templates: Collection[str] = (),
                 labels: Mapping[str, str] | None = None):
        self.language, self.paged, self.images = language, single_document, images
        self.overrides = labels or {}
        """The book's own labels (book.yaml's `labels:`)."""
        self.templates = frozenset(templates)
        """The template names the layout chain has: a type's own `entry-<type>.html`, or the generic one."""
        self._labels: dict[str, dict[str, str]] = {}
        self.hrefs: dict[int, str] = {}
        for part in parts:
            if part.chapter is not None:
                document = "" if single_document else f"{part.id}.xhtml"
                for n, entry in enumerate(part.chapter.typed_entries, 1):
                    self.hrefs[id(entry)] = f"{document}#{_entry_id(part.id, n)}"
        index = titled(part.chapter for part in parts if part.chapter is not None)
        self.targets = {(key, entry.type): self.hrefs[id(entry)] for key, entries in index.items() for entry in entries}
        self.page = labels_for(language, self.overrides)["page_abbreviation"]

    def chapter(self, part: Part) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, Any]]]:
        """The views of a chapter's entries, its lines in the contents, and its `blocks` in reading order: each an
        entry's view (`after_entry` when another entry comes just before it) or the prose between entries. Prose
        is rendered here, in order with the entries, so that footnotes are numbered in reading order."""
        views: list[dict[str, Any]] = []
        contents: list[dict[str, str]] = []
        blocks: list[dict[str, Any]] = []
        group = None
        n = 0
        for entry in part.chapter.entries:
            if isinstance(entry, ProseBlock):
                blocks.append({"prose": Markup(markup.prose(entry.text, self.language)), "entry": None,
                               "after_entry": False})
                continue
            n += 1
            kind = entry.declared
            label = group_label(entry, self.language)
            view = self.view(entry, _entry_id(part.id, n), level=2 if label is None else 3)
            if label is not None and (label, kind.name) != group:
                group = (label, kind.name)
                group_id = f"{part.id}-group-{len(views) + 1}"
                view["group_heading"] = Markup(f'<h2 id="{group_id}" class="entry-group">{html.escape(label)}</h2>')
                view["ornament"] = False  # the group's heading sets it apart
                if kind.declaration.contents:
                    contents.append({"href": self.hrefs[id(entry)].split("#")[0] + f"#{group_id}", "title_text": label})
            elif label is None:
                group = None
            if kind.declaration.contents and label is None and view["title_text"]:
                contents.append({"href": self.hrefs[id(entry)], "title_text": view["title_text"]})
            after_entry = bool(blocks) and blocks[-1]["entry"] is not None
            blocks.append({"prose": None, "entry": view, "after_entry": after_entry})
            views.append(view)
        return views, contents, blocks

    def view(self, entry: Entry, entry_id: str, level: int = 2) -> dict[str, Any]:
        """One entry: each field by name (`entry.context`), and `fields` and `blocks` in order for the generic
        template. A field that serves an image (its text alternative, its decorative flag) is the image's."""
        kind = entry.declared
        lang = self.language
        labels = self._labels.get(kind.name)
        if labels is None:
            labels = self._labels[kind.name] = {name: kind.label(name, lang, self.overrides)
                                                      for name in kind.fields}
        own = f"entry-{kind.name}.html"
        view: dict[str, Any] = {
            "id": entry_id, "template": own if own in self.templates else GENERIC_TEMPLATE, "type": kind.name,
            "level": level, "ornament": kind.declaration.ornament, "labels": labels, "group_heading": "",
            "paged": self.paged, "title": None, "title_text": ""}
        fields: list[dict[str, Any]] = []
        for name, field in kind.fields.items():
            value = getattr(entry, name)
            if name == kind.title_field:
                if value:
                    view["title"] = Markup(markup.heading(value, lang))
                    view["title_text"] = markup.plain(value, lang)
                continue
            if name in kind.companions:
                view[name] = self._companion(entry, name)
                continue
            grouping = name == kind.declaration.group_by  # shown once, as its group's heading
            shown = self._value(field, value, entry)
            view[name] = shown["src"] if field.kind == "image" and field.alt and shown else shown
            if shown is None or shown is False or shown == [] or grouping:
                continue
            fields.append({"name": name, "kind": field.kind, "item_kind": field.item_kind, "label": labels[name],
                           "value": shown, "numbered": bool(field.numbered)})
        view["fields"] = fields
        view["blocks"] = _blocks(fields)
        return view

    def _value(self, field: FieldDeclaration, value: Any, entry: Entry) -> Any:
        if value is None:
            return None
        if field.kind == "list":
            return [self._item(field.item_kind, item, field) for item in value]
        if field.kind in ("line", "prose", "reference"):
            return self._item(field.kind, value, field)
        if field.kind == "choice":
            return Markup(inline(value, self.language))
        if field.kind == "number":
            return language.number(str(int(value)) if float(value).is_integer() else str(value), self.language)
        if field.kind == "boolean":
            return bool(value)
        # An image: its text alternative is in another field of the entry, or in the value's own mapping.
        if isinstance(value, str):
            alt = getattr(entry, field.alt) if field.alt else None
            decorative = bool(getattr(entry, field.decorative)) if field.decorative else False
            src, caption = value, None
        else:
            src, alt, decorative, caption = value.src, value.alt, value.decorative, value.caption
        return {"src": self.images[src].path, "alt": "" if decorative or alt is None else markup.plain(alt, self.language),
                "decorative": decorative, "caption": Markup(markup.inline(caption, self.language)) if caption else None}

    def _item(self, kind: str, value: str, field: FieldDeclaration) -> Any:
        if kind == "prose":
            return Markup(prose(value, self.language))
        text = Markup(inline(value, self.language))
        if kind == "line":
            return text
        key = reference_key(value)
        href = next((self.targets[(key, t)] for t in (field.references or self._types_titled(key))
                     if (key, t) in self.targets), None)
        return {"text": text, "href": href, "page": self.page if self.paged and href else None}

    def _types_titled(self, key: str) -> list[str]:
        return [kind for title, kind in self.targets if title == key]

    def _companion(self, entry: Entry, name: str) -> Any:
        """A text alternative as plain text (empty for a decorative image), a decorative flag as it is."""
        for image in entry.declared.fields.values():
            if image.kind != "image":
                continue
            decorative = bool(getattr(entry, image.decorative)) if image.decorative else False
            if name == image.alt:
                alt = getattr(entry, name)
                return "" if decorative or alt is None else markup.plain(alt, self.language)
            if name == image.decorative:
                return decorative
        return getattr(entry, name)


def _entry_id(part_id: str, n: int) -> str:
    return f"{part_id}-entry-{n}"


def _blocks(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields in order, short ones that follow one another together as one `facts` block."""
    blocks: list[dict[str, Any]] = []
    for field in fields:
        if field["kind"] in SHORT_KINDS or field["item_kind"] == "reference":
            if blocks and blocks[-1]["kind"] == "facts":
                blocks[-1]["fields"].append(field)
            else:
                blocks.append({"kind": "facts", "fields": [field]})
        else:
            blocks.append({"kind": "field", "field": field})
    return blocks


def uses_declared_types(types: Any) -> bool:
    """Whether a book has entry types of its own (or its layouts'): the generic entries' stylesheet is then needed."""
    return bool(types is not None and any(not kind.built_in for kind in types))
