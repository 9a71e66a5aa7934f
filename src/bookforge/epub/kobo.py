"""Kobo's markup (kepub): every sentence in a `koboSpan`, so Kobo readers can highlight, bookmark and count pages."""

from __future__ import annotations

import re

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "td", "th", "dt", "dd"}
# A sentence ends at . ! ? or … (with closing quotes or brackets after it) followed by white space that may break
# (a no-break space binds what it joins: `Mr.\u00a0Lane`).
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*[^\S\u00a0\u202f\u2007]\s*")
# Not at the full stop of a title or an initial before a name: `Mrs. Lane`, `J. R. Tolkien`.
NOT_AN_END = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|St|Prof|Rev|Sr|Jr|Mme|Mlle|Messrs|Capt|Col|Gen|Lt|Sgt|Mt|Hon)|"
                        r"(?<![\w.])[A-Z])\.$")


def koboize(root: etree._Element) -> None:
    """Wrap the sentences of one content document (parsed XHTML, changed in place) in Kobo's spans.

    Kobo's numbering: `kobo.P.S`, P counting the document's blocks of text, S the spans within one. The body's
    content goes into Kobo's `book-columns` / `book-inner` wrappers, as Kobo's own conversion does.
    """
    body = root.find(f"{{{XHTML}}}body")
    if body is None:
        return
    paragraph = 0
    for block in [e for e in body.iter(*(f"{{{XHTML}}}{tag}" for tag in BLOCKS))]:
        if any(etree.QName(inner).localname in BLOCKS for inner in block.iterdescendants(f"{{{XHTML}}}*")):
            continue  # an outer block (a list item holding paragraphs): its inner blocks get the spans
        paragraph += 1
        counter = [0]
        _wrap(block, paragraph, counter)
    columns = etree.Element(f"{{{XHTML}}}div", {"id": "book-columns"})
    inner = etree.SubElement(columns, f"{{{XHTML}}}div", {"id": "book-inner"})
    inner.text, body.text = body.text, None
    for child in list(body):
        inner.append(child)
    body.append(columns)


def _span(paragraph: int, counter: list[int], text: str) -> etree._Element:
    counter[0] += 1
    span = etree.Element(f"{{{XHTML}}}span", {"class": "koboSpan", "id": f"kobo.{paragraph}.{counter[0]}"})
    span.text = text
    return span


def _sentences(text: str) -> list[str]:
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if NOT_AN_END.search(text, 0, match.start()):
            continue
        pieces.append(text[start:match.end()])
        start = match.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def _wrap(element: etree._Element, paragraph: int, counter: list[int]) -> None:
    """Each run of text inside `element` (its own, and the tails of its children) becomes spans, sentence by
    sentence; inline children (emphasis, links) get the same inside them. Empty elements (page markers) stay."""
    children = list(element)
    if element.text and element.text.strip():
        spans = [_span(paragraph, counter, piece) for piece in _sentences(element.text)]
        element.text = None
        for index, span in enumerate(spans):
            element.insert(index, span)
    for child in children:
        if etree.QName(child).localname != "span" or child.get("class") != "koboSpan":
            if len(child) or (child.text and child.text.strip()):
                _wrap(child, paragraph, counter)
        if child.tail and child.tail.strip():
            spans = [_span(paragraph, counter, piece) for piece in _sentences(child.tail)]
            child.tail = None
            for span in reversed(spans):
                child.addnext(span)
