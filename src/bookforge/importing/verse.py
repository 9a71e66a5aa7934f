"""Verse: `::: verse` from a poem's stanzas and lines (Standard Ebooks' `z3998:poem` with `<br>` and `i1`... indents,
or a line per element), its source kept as the attribution of the quotation around it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from bookforge.importing.markup import escape_line_starts, indent
from bookforge.importing.tree import attribute_lang, classes, inline_copy, new_element, tag

if TYPE_CHECKING:
    from bookforge.importing.markdown_out import Prose

VERSE_TYPES = {"z3998:poem", "z3998:verse", "z3998:song", "z3998:hymn", "z3998:lyrics"}


def verse(prose: Prose, element: etree._Element) -> str:
    """`::: verse`: stanzas (a `p` or a line group each) of lines split at `<br>`, SE's `i1`... classes indent."""
    prose.converter.counts["verse"] += 1
    stanzas = [child for child in element if isinstance(child.tag, str) and tag(child) in ("p", "div", "span")]
    if not stanzas or all(tag(child) == "span" for child in stanzas):
        stanzas = [element]
    written = []
    for stanza in stanzas:
        if tag(stanza) == "div" and stanza.find("p") is not None:
            stanza_lines = [line for p in stanza.iterfind("p") for line in _lines(prose, p)]
        else:
            stanza_lines = _lines(prose, stanza)
        if stanza_lines:
            written.append("\n".join(stanza_lines))
    language = attribute_lang(element)
    opening = "::: verse" + (f" {{lang={language}}}" if language else "")
    block = f"{opening}\n" + "\n\n".join(written) + "\n:::"
    sources = [prose.attribution(child) for child in element if isinstance(child.tag, str)
               and (tag(child) in ("cite", "footer") or "attribution" in classes(child))]
    if not sources:
        return block
    return indent("\n\n".join([block, *sources]), "> ")  # a quoted poem and its source, set to the right


def _lines(prose: Prose, stanza: etree._Element) -> list[str]:
    """A stanza's lines: parted by `<br>`, or, where it has none, each child element a line."""
    children = [child for child in stanza if isinstance(child.tag, str)]
    by_element = stanza.find(".//br") is None and len(children) > 1
    segments: list[list[etree._Element | str]] = [[]]
    if stanza.text and stanza.text.strip():
        segments[-1].append(stanza.text)
    for child in children:
        if tag(child) == "br":
            segments.append([])
        elif by_element:
            segments.append([child])
        else:
            segments[-1].append(child)
        if child.tail:
            segments[-1].append(child.tail)
    lines = []
    for segment in segments:
        holder = new_element("span")
        depth = 0
        for item in segment:
            if isinstance(item, str):
                _append_text(holder, item)
            else:
                found = next((int(c[1:]) for c in classes(item) if re.fullmatch(r"i\d", c)), 0)
                depth = max(depth, found)
                holder.append(inline_copy(item))
        line = re.sub(r" {2,}", " ", prose.inline(holder, line=True)).strip()
        if line:
            lines.append("  " * depth + escape_line_starts(line).replace(":::", "\\:::"))
    return lines


def _append_text(holder: etree._Element, text: str) -> None:
    if len(holder):
        holder[-1].tail = (holder[-1].tail or "") + text
    else:
        holder.text = (holder.text or "") + text
