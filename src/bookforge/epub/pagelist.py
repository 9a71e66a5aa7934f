"""The print page list in the EPUB: a page-break marker where each printed page starts."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence

from lxml import etree

from bookforge.render.places import SNIPPET, PageStart, alnum

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
# A page that starts with a heading gets its marker just before it (in the heading, it would become part of the
# heading's name); any other block gets it inside, at its start (a sibling would break `h1 + p`-style selectors).
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
FLOW_PARENTS = {"section", "article", "div", "body", "aside", "nav", "header", "footer", "blockquote", "figure",
                "main"}


def marker_id(label: str) -> str:
    return "page-" + "".join(c if c.isalnum() else "-" for c in label)


def insert_markers(documents: dict[str, etree._Element], starts: Sequence[PageStart]) -> list[tuple[str, str, str]]:
    """Put a page-break marker into the documents (parsed XHTML, changed in place) where each page starts.

    Returns (label, document name, marker id) for each marker placed, in reading order; a page whose place is not
    in the ebook (a part only the print edition has) gets none. Every place is found before any marker goes in,
    and markers go in from the last: a marker is an element, and one put in first would shift the element paths
    and text nodes by which the later places are named (a chapter of prose is one anchor with many pages).
    """
    by_id = {}
    for name, root in documents.items():
        for element in root.iterfind(".//*[@id]"):
            by_id.setdefault(element.get("id"), (name, element))
    found_places, used = [], set()
    for start in starts:
        found = by_id.get(start.anchor)
        block = found and _follow(found[1], start.path)
        if block is None:
            continue
        where = _position(block, start.offset)
        if where is None or not alnum(_text_from(block, where)).startswith(start.text[:SNIPPET]):
            continue  # the ebook's text differs here: better no marker than a wrong one
        ident = marker_id(start.label)
        while ident in used or ident in by_id:
            ident += "-"
        used.add(ident)
        found_places.append((start.label, found[0], ident, block, where))
    for label, _, ident, block, where in reversed(found_places):
        _insert(block, where, _marker(ident, label))
    return [(label, name, ident) for label, name, ident, _, _ in found_places]


def _follow(element, path: tuple[int, ...]):
    for index in path:
        children = [child for child in element if isinstance(child.tag, str)]
        if index >= len(children):
            return None
        element = children[index]
    return element


def _text_nodes(block) -> Iterator[tuple[object, str]]:
    """(owner, "text" | "tail") of each text node inside `block`, in document order."""
    yield block, "text"
    for child in block:
        yield from _text_nodes(child)
        yield child, "tail"


def _position(block, offset: int):
    """The text node and index where the `offset`-th letter or digit of `block` is (its start for 0)."""
    if offset == 0:
        return None, 0
    count = 0
    for owner, attribute in _text_nodes(block):
        text = getattr(owner, attribute) or ""
        for index, char in enumerate(text):
            if char.isalnum():
                if count == offset:
                    # Opening quotes and brackets go with the word that follows them.
                    while index > 0 and _opening(text[index - 1]):
                        index -= 1
                    return (owner, attribute), index
                count += 1
    return None


def _opening(char: str) -> bool:
    return unicodedata.category(char) in ("Ps", "Pi") or char in "\"'¿¡"


def _text_from(block, where) -> str:
    node, index = where
    if node is None:
        return "".join(block.itertext())
    texts, started = [], False
    for owner, attribute in _text_nodes(block):
        text = getattr(owner, attribute) or ""
        if (owner, attribute) == node:
            started, text = True, text[index:]
        if started:
            texts.append(text)
    return "".join(texts)


def _marker(ident: str, label: str):
    return etree.Element(f"{{{XHTML}}}span", {f"{{{EPUB}}}type": "pagebreak", "role": "doc-pagebreak",
                                              "id": ident, "aria-label": label}, nsmap={"epub": EPUB})


def _insert(block, where, marker) -> None:
    node, index = where
    if node is None:  # the page starts with this block
        parent = block.getparent()
        if etree.QName(block).localname in HEADINGS and etree.QName(parent).localname in FLOW_PARENTS:
            block.addprevious(marker)  # a sibling: inside a heading it would become part of the heading's name
        else:
            marker.tail, block.text = block.text, None
            block.insert(0, marker)
        return
    owner, attribute = node
    text = getattr(owner, attribute)
    if attribute == "text":
        owner.text = text[:index]
        marker.tail = text[index:]
        owner.insert(0, marker)
    else:
        owner.tail = text[:index]
        marker.tail = text[index:]
        owner.addnext(marker)
