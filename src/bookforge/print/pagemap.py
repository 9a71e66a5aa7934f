"""Where each printed page starts, read from WeasyPrint's layout (render/places.py says how a place is named; the
EPUB's markers are put there by epub/pagelist.py), and the page labels (folios) as printed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bookforge.render.places import SNIPPET, PageStart, Record, alnum

# Generated text that only the print edition has (leaders and page numbers in the contents, list numbers).
GENERATED = ("::before", "::after", "::marker")


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

    counters = []
    for page, (value, reset) in zip(pages, page_counter_values([page._page_box for page in pages])):
        folio, counter_style = None, None
        for box in page._page_box.children:
            if isinstance(box, boxes.MarginBox):
                for kind, argument in box.style["content"] if isinstance(box.style["content"], tuple) else ():
                    if kind == "counter()" and argument[0] == "page":
                        counter_style = argument[1]
                        folio = "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox)).strip()
        counters.append(PageCounter(value=value, printed=folio or None, style=counter_style, reset=reset))
    return counters


def page_counter_values(page_boxes: Sequence) -> list[tuple[int, bool]]:
    """(page counter, whether the page resets it) of each page box, from the pages' styles alone (no margin boxes
    needed)."""
    values, value = [], 0
    for box in page_boxes:
        style = box.style
        reset = dict(style["counter_reset"] or ()).get("page")
        if reset is not None:
            value = reset
        value = dict(style.get("counter_set") or ()).get("page", value)
        value += dict(style["counter_increment"] or ()).get("page", 0) if style["counter_increment"] != "auto" else 1
        values.append((value, reset is not None))
    return values


def labels_of(counters: Sequence[PageCounter]) -> list[str]:
    """Each page's folio as printed; for a page that shows none, the page counter's value (resets followed) in the
    style of its run's printed folios."""
    return [counter.printed or format_counter(counter.value, style)
            for counter, style in zip(counters, run_styles(counters))]


def run_styles(counters: Sequence[PageCounter]) -> list[str]:
    """Each page's folio style: its own, or that of its run's printed folios (print/labels.py writes them as the
    PDF's page labels)."""
    styles, resets = [c.style for c in counters], [c.reset for c in counters]
    return [_run_style(i, styles, resets) for i in range(len(counters))]


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
    # No page of the run prints a folio: front matter (a later run restarts the count) is numbered in roman, so
    # that its labels are not those of the main matter's first pages.
    return "lower-roman" if any(resets[index + 1:]) else "decimal"


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
