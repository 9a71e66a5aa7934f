"""The print page list: where each printed page starts (from WeasyPrint's layout), and the same places in the EPUB.

Both the PDF and the EPUB are rendered from the same part templates, so a place in the book can be named in a way
both understand: the nearest element with an `id`, the path of element children from it to the block that holds
the text, and how many letters and digits of that block come before the place. Counting only letters and digits
makes the offset blind to what differs between the two (white space, hyphens added at line ends, soft hyphens).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from lxml import etree
from pydantic import BaseModel, ConfigDict, ValidationError

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
# Generated text that only the print edition has (leaders and page numbers in the contents, list numbers).
GENERATED = ("::before", "::after", "::marker")
# A page that starts with a heading gets its marker just before it (in the heading, it would become part of the
# heading's name); any other block gets it inside, at its start (a sibling would break `h1 + p`-style selectors).
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
FLOW_PARENTS = {"section", "article", "div", "body", "aside", "nav", "header", "footer", "blockquote", "figure",
                "main"}
SNIPPET = 24  # letters and digits kept of each page's first words, to check a marker's place


class Record(BaseModel):
    """A typed record kept between builds (as JSON): anything else in its place is rejected, not half read."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class PageStart(Record):
    """Where one printed page starts."""

    label: str
    """The folio as printed (`iii`, `1`), or as it would be on a page that prints none (a chapter opening)."""
    anchor: str
    """The id of the nearest element, at or above the block, that has one."""
    path: tuple[int, ...]
    """Element children from the anchor down to the block holding the page's first text."""
    offset: int
    """Letters and digits of the block's text that are on earlier pages."""
    text: str
    """The page's first letters and digits, to check the place found in the EPUB."""


def alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def page_list_sources(book) -> dict[str, str]:
    """{ebook edition: the print edition whose pages it carries}; a wrong `page_list_from` is a located error."""
    from bookforge.errors import BookforgeError, Diagnostic, did_you_mean

    sources, problems = {}, []
    prints = [name for name, edition in book.editions.items() if edition.format == "pdf"]
    for name, edition in book.editions.items():
        source = edition.page_list_from
        if source is None:
            continue
        where = edition.location_of("page_list_from")
        if edition.format == "pdf":
            problems.append(Diagnostic("page-list-source", f"`page_list_from` is for ebook editions; `{name}` is a "
                                       "print edition", where, "remove it, or set it on an EPUB edition"))
        elif source not in book.editions:
            problems.append(Diagnostic("page-list-source", f"the book has no edition `{source}`", where,
                                       did_you_mean(source, prints) or f"print editions: {', '.join(prints) or 'none'}"))
        elif book.editions[source].format != "pdf":
            problems.append(Diagnostic("page-list-source", f"`{source}` is not a print edition: only a PDF edition "
                                       "has pages", where, did_you_mean(source, prints)))
        else:
            sources[name] = source
    if problems:
        raise BookforgeError(problems)
    return sources


# -- the print side: WeasyPrint's pages --------------------------------------------------------------------------

def page_starts(pages: Sequence, root, labels: Sequence[str] | None = None) -> tuple[PageStart, ...]:
    """`pages`: a rendered weasyprint Document's pages; `root`: the ElementTree root it was made from; `labels`:
    what to call each page (default: its folio, see `page_labels`)."""
    parents = {child: parent for parent in root.iter() for child in parent}
    hidden: dict[object, bool] = {}
    seen: dict[object, int] = {}  # block element -> letters and digits laid out so far
    starts = []
    for page, label in zip(pages, labels or page_labels(pages)):
        first = None
        for block, text in page_texts(page):
            if _is_hidden(block, parents, hidden):
                continue
            count = len(alnum(text))
            if first is None and count:
                first = (block, seen.get(block, 0))
                snippet = text
            elif first is not None and block is first[0] and len(alnum(snippet)) < SNIPPET:
                snippet += text
            seen[block] = seen.get(block, 0) + count
        if first is not None:
            anchor, path = _address(first[0], parents)
            starts.append(PageStart(label=label, anchor=anchor, path=path, offset=first[1],
                                    text=alnum(snippet)[:SNIPPET]))
    return tuple(starts)


def page_texts(page) -> Iterator[tuple[object, str]]:
    """(block element, text) of every text box on a laid-out page in order, generated text and margin boxes left
    out."""
    from weasyprint.formatting_structure import boxes

    def visit(box, block):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.TextBox):
            if not box.element_tag.endswith(GENERATED):
                yield block, box.text
            return
        for child in getattr(box, "children", ()):
            yield from visit(child, box.element if isinstance(child, boxes.LineBox) else block)

    yield from visit(page._page_box, None)


def _is_hidden(element, parents: dict, cache: dict) -> bool:
    """Inside an `aria-hidden` element (an ornament): not content, so no page starts there."""
    if element is None:
        return True
    if element not in cache:
        cache[element] = element.get("aria-hidden") == "true" or (
            element in parents and _is_hidden(parents[element], parents, cache))
    return cache[element]


def _address(element, parents: dict) -> tuple[str, tuple[int, ...]]:
    path = []
    while element.get("id") is None and element in parents:
        parent = parents[element]
        path.append([child for child in parent if isinstance(child.tag, str)].index(element))
        element = parent
    return element.get("id") or "", tuple(reversed(path))


class PageCounter(Record):
    """The page counter on one laid-out page, and the folio printed there."""

    value: int
    printed: str | None
    """The folio as the margin box shows it; None on a page that shows none."""
    style: str | None
    """The counter style of that folio (`decimal`, `lower-roman`)."""
    reset: bool
    """The page resets the counter: a new run of folios starts here."""


def page_labels(pages: Sequence) -> list[str]:
    return labels_of(page_counters(pages))


def page_counters(pages: Sequence) -> list[PageCounter]:
    """The page counter of each page, with the folio printed there if any."""
    from weasyprint.formatting_structure import boxes

    counters, value = [], 0
    for page in pages:
        style = page._page_box.style
        reset = dict(style["counter_reset"] or ()).get("page")
        if reset is not None:
            value = reset
        value = dict(style.get("counter_set") or ()).get("page", value)
        value += dict(style["counter_increment"] or ()).get("page", 0) if style["counter_increment"] != "auto" else 1
        folio, counter_style = None, None
        for box in page._page_box.children:
            if isinstance(box, boxes.MarginBox):
                for kind, argument in box.style["content"] if isinstance(box.style["content"], tuple) else ():
                    if kind == "counter()" and argument[0] == "page":
                        counter_style = argument[1]
                        folio = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox)).strip()
        counters.append(PageCounter(value=value, printed=folio or None, style=counter_style, reset=reset is not None))
    return counters


def labels_of(counters: Sequence[PageCounter]) -> list[str]:
    """Each page's folio as printed; for a page that shows none, the page counter's value (resets followed) in the
    style of its run's printed folios."""
    styles, resets = [c.style for c in counters], [c.reset for c in counters]
    return [counter.printed or format_counter(counter.value, _run_style(i, styles, resets))
            for i, counter in enumerate(counters)]


def _run_style(index: int, styles: list, resets: list) -> str:
    """The folio style of the nearest page with a folio in the same run (no counter reset in between)."""
    for i in range(index + 1, len(styles)):
        if resets[i]:
            break
        if styles[i]:
            return styles[i]
    for i in range(index, -1, -1):
        if styles[i]:
            return styles[i]
        if resets[i]:
            break
    return "decimal"


ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
         (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def format_counter(value: int, style: str) -> str:
    if style in ("lower-roman", "upper-roman") and 0 < value < 4000:
        text = ""
        for number, letters in ROMAN:
            while value >= number:
                text, value = text + letters, value - number
        return text.upper() if style == "upper-roman" else text
    if style in ("lower-alpha", "lower-latin", "upper-alpha", "upper-latin") and value > 0:
        text = ""
        while value:
            value, rest = divmod(value - 1, 26)
            text = chr(ord("a") + rest) + text
        return text.upper() if style.startswith("upper") else text
    return str(value)


# -- stored with the print edition's build, for the ebook's ---------------------------------------------------------

class PageMap(Record):
    """A print edition's page starts, and a hash of the inputs they were laid out from."""

    inputs: str
    pages: tuple[PageStart, ...]


def dump(starts: Iterable[PageStart], key: str) -> bytes:
    return PageMap(inputs=key, pages=tuple(starts)).model_dump_json().encode()


def load(path: Path, key: str) -> tuple[PageStart, ...] | None:
    """The stored page starts when they were made from the same inputs, else None."""
    try:
        stored = PageMap.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
    return stored.pages if stored.inputs == key else None


# -- the EPUB side: markers in the XHTML documents ------------------------------------------------------------------

def marker_id(label: str) -> str:
    return "page-" + "".join(c if c.isalnum() else "-" for c in label)


def insert_markers(documents: dict[str, etree._Element], starts: Sequence[PageStart]) -> list[tuple[str, str, str]]:
    """Put a page-break marker into the documents (parsed XHTML, changed in place) where each page starts.

    Returns (label, document name, marker id) for each marker placed, in reading order; a page whose place is not
    in the ebook (a part only the print edition has) gets none.
    """
    by_id = {}
    for name, root in documents.items():
        for element in root.iterfind(".//*[@id]"):
            by_id.setdefault(element.get("id"), (name, element))
    placed, used = [], set()
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
        _insert(block, where, _marker(ident, start.label))
        placed.append((start.label, found[0], ident))
    return placed


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
