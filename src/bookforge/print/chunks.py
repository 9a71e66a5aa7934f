"""A print edition laid out in chunks (the front matter, then runs of parts of `chunk_size` characters: render.py),
each kept between builds, and joined (join.py).

WeasyPrint lays out ~18 pages a second and cannot lay out part of a document again. A chunk whose HTML and
starting state are those of the last build is taken from build/.cache as a PDF, so an edit to one scene lays out
one chunk (and the chunks after it only if it moved where they start). Each chunk lays out as it does in the
whole book (tests/test_chunks.py compares them page by page):
- the rest of the book is in the chunk's HTML as empty shells, so selectors match as they do in the whole book;
- its first page is a *prelude*: the part before it, empty, on the side where that part ended, with the page
  counter and the named strings (running heads) as they stood there. The chunk's pages follow, with the blank page
  the whole book has there if any; the prelude's page is dropped;
- an element of another chunk that it refers to (the contents' page numbers and links) is a *proxy*: an empty
  element with that id, alone on a page whose counter is the target's. Proxy pages are dropped; the links then reach
  the real element's named destination in the joined PDF. A target's page is known once its chunk is laid out, so
  the chunks are laid out again (from the cache but for what changed) until every proxy has its target's number;
- no chunk holds the date or the keywords: the join writes the book's metadata.
What cannot be carried from chunk to chunk makes the edition lay out whole (wholecss.py): counters other than the
page's, the page count, page selectors by place (`:nth(3)`), running elements, footnotes, the PDF/UA structure
tree, a part that does not start a page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import threading
from collections.abc import MutableMapping
from concurrent.futures import Executor
from dataclasses import dataclass

from pydantic import ValidationError

from bookforge.layout.direction import text_direction
from bookforge.layout.geometry import estimate_pages
from bookforge.print import ahead, furnish, pagemap, telling
from bookforge.print.fontmerge import Subsetter, subset_font
from bookforge.print.join import join
from bookforge.print.records import ChunkLayout, Entry, FontProgram, Plan
from bookforge.print.starts import Book, Reads
from bookforge.print.wholecss import needs_whole_book
from bookforge.render.rendition import PrintChunk, Rendition
from bookforge.stores import retain, tool_fingerprint
from bookforge.workers import check

MAX_PASSES = 4
PROXY_PAGE = "bookforge-proxy-{}"
LINK = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')
TAG = re.compile(r"<[^>]+>")


class CannotChunk(Exception):
    """This edition's layout does not lay out in chunks as it does whole."""


def can_lay_out(rendition: Rendition) -> bool:
    """Whether nothing in the layout is known to need the whole book in one document."""
    settings = rendition.layout.settings
    if len(rendition.chunks) < 2 or not settings["chunked"] or settings["pdf_variant"] == "pdf/ua-1":
        return False
    if text_direction(rendition.language) == "rtl":  # pages progress right to left: the join assumes otherwise
        return False
    return not any(needs_whole_book(css) for _, css in rendition.stylesheets)


@dataclass(frozen=True)
class ChunkCounts:
    laid_out: int
    """Chunks laid out by this build; the others were the last build's."""
    total: int
    ahead: int = 0
    """Of those laid out, how many were laid out ahead of their turn from a guess that proved right (ahead.py)."""
    missed: int = 0
    """Layouts made from guesses that proved wrong (thrown away): the cost of laying out ahead."""


class OutOfBand(Exception):
    """The page count passed, or is on its way out of, `page_band` (the gutter band the layout was made for): the
    layout stopped there. `predicted`: the page count its text predicts."""

    def __init__(self, pages: int, predicted: int):
        super().__init__(f"{pages} pages laid out, {predicted} predicted")
        self.pages, self.predicted = pages, predicted

    def __reduce__(self):
        return type(self), (self.pages, self.predicted)


PREDICTED_AFTER = 0.25
"""The share of the text (after the front matter) laid out before the page count it predicts can stop a layout."""
MARGIN = 0.1
"""How far out of its band a predicted page count must be to stop a layout, as a share of the band's ends, times
the share of the text still to lay out."""


def lay_out(rendition: Rendition, typesetter, store: MutableMapping[str, str], workers: int = 1,
            cancel: threading.Event | None = None, executor: Executor | None = None,
            page_band: tuple[int, int | None] | None = None):
    """(PDF bytes, pages, warnings, page starts, ChunkCounts) of the edition laid out in chunks, or None if it
    cannot be.

    `typesetter` is writer.Typesetter; `store` keeps each chunk's layout by a hash of all it is made from. With
    `workers` > 1, chunks whose layout is missing are laid out in that many processes (`executor`, a
    concurrent.futures one such as `distributed.Client.get_executor()`, else a pool of its own), the next ones
    ahead of their turn from a guess (ahead.py). `cancel` set stops it between chunks (Cancelled). With a
    `page_band` (first and last page count, None: no end), it stops with OutOfBand as soon as the page count passes
    the band's end, or, with PREDICTED_AFTER of the text laid out, is on its way out of the band.
    """
    chunks = rendition.chunks
    owner = {ident: i for i, chunk in enumerate(chunks) for ident in ID.findall(chunk.own_html)}
    references = [sorted({t for t in LINK.findall(chunk.own_html) if owner.get(t, i) != i})
                  for i, chunk in enumerate(chunks)]
    # Every chunk is laid out without the date and the keywords, which the join writes: an edit on another day
    # lays out the chunk it is in, not the front matter too.
    undated = typesetter.undated()
    fingerprint = hashlib.sha256(f"{tool_fingerprint()}\0{undated.fingerprint()}".encode()).hexdigest()
    # Where each chunk started and what page each link target had in the last build: a first guess, found right
    # (or corrected) by the passes below, whatever changed since.
    plan_key = "plan-" + hashlib.sha256(rendition.edition_name.encode()).hexdigest()
    # Found by an earlier build: this layout (these stylesheets, fonts, tools) cannot be laid out in chunks.
    whole_key = "whole-" + fingerprint
    if whole_key in store:
        return None
    targets, entries = _plan(store, plan_key, len(chunks))
    texts = [len(TAG.sub("", chunk.own_html)) for chunk in chunks]  # letters, for estimates
    settings = rendition.layout.settings
    used, laid_out, early, missed = set(), set(), set(), 0  # the last pass's keys; chunks laid out (early: ahead)

    def key_of(content: str) -> str:
        return "chunk-" + hashlib.sha256(f"{fingerprint}\0{content}".encode()).hexdigest()

    try:
        with ahead.Ahead(undated, workers, executor, check=lambda: check(cancel)) as laying_out:
            for _ in range(MAX_PASSES):
                proxies = [{target: targets.get(target, 1) for target in wanted} for wanted in references]

                def document(index: int, entry: Entry | None) -> tuple[str, str]:
                    content = _document(chunks[index], entry, proxies[index])
                    return key_of(content), content

                def next_first(found: dict[str, int]) -> tuple[str, str] | None:
                    """The next pass's first chunk (key, HTML), if the page numbers `found` change its proxies."""
                    needed = {target: found.get(target) for wanted in references for target in wanted}
                    if not references[0] or None in needed.values() or needed == {t: targets.get(t) for t in needed}:
                        return None
                    content = _document(chunks[0], None, {target: needed[target] for target in references[0]})
                    return key_of(content), content

                book = Book(
                    count=len(chunks), key_of=document, stored=lambda key: _stored(store, key),
                    typeset=_typeset, proxies=lambda index: set(proxies[index]), texts=texts,
                    estimate=lambda index: _page_estimate(settings, texts[index], chunks[index].own_html.count("<p"),
                                                          len(chunks[index].parts)),
                    plan=entries, next_first=next_first)
                used, pages = set(), []

                def keep(index: int, key: str, layout: ChunkLayout, new: bool) -> None:
                    if new:
                        store[key] = layout.model_dump_json()
                    used.add(key)
                    pages.append(len(layout.counters))
                    if page_band is not None:
                        _check_band(page_band, pages, texts)

                outcome = laying_out.walk(book, keep)
                layouts = outcome.layouts
                laid_out |= outcome.laid_out
                early |= outcome.ahead
                missed += outcome.missed
                entries = [None] + [layout.exit for layout in layouts[:-1]]
                found = {ident: layouts[i].counters[page].value
                         for i, layout in enumerate(layouts) for ident, page in layout.anchors.items()}
                needed = {target: found.get(target) for wanted in references for target in wanted}
                if None in needed.values():
                    raise CannotChunk("a link's target has no page (display: none?)")
                if needed == {t: targets.get(t) for t in needed}:
                    break
                targets = needed
            else:
                raise CannotChunk(f"the contents' page numbers did not settle in {MAX_PASSES} passes")
    except CannotChunk as reason:
        retain(store, {whole_key})
        store[whole_key] = str(reason)
        return None
    store[plan_key] = Plan(targets=targets, entries=tuple(entries)).model_dump_json()
    data, pages, warnings, starts = join(layouts, {path: typesetter.resources[path] for path in rendition.fonts},
                                         typesetter.modified,
                                         tuple(rendition.book.metadata.subjects or ()),
                                         _stored_subsets(store, fingerprint, used))
    retain(store, used | {plan_key})  # not the chunks of earlier versions of the book, or of earlier passes
    return data, pages, warnings, starts, ChunkCounts(len(laid_out), len(chunks), len(early), missed)


def _page_estimate(settings, text: int, paragraphs: int, parts: int) -> float:
    """Pages of so many letters in so many paragraphs and parts: the book's estimate less its fixed pages."""
    return estimate_pages(settings, text, paragraphs, 0, parts) - estimate_pages(settings, 0, 0, 0, 0)


def _check_band(band: tuple[int, int | None], pages: list[int], texts: list[int]) -> None:
    """OutOfBand if the chunks laid out so far (`pages` each) passed the band's end, or predict a page count out of
    it: the front matter's pages and the others' at the rate so far."""
    first, last = band
    share = sum(texts[1:len(pages)]) / max(1, sum(texts[1:]))
    predicted = round(pages[0] + sum(pages[1:]) / share) if share else sum(pages)
    if last is not None and sum(pages) > last:
        raise OutOfBand(sum(pages), max(predicted, sum(pages)))
    margin = MARGIN * (1 - share)
    if share >= PREDICTED_AFTER and not (first * (1 - margin) <= predicted <= (last or predicted) * (1 + margin)):
        raise OutOfBand(sum(pages), predicted)


def _stored_subsets(store: MutableMapping[str, str], fingerprint: str, used: set[str]) -> Subsetter:
    """subset_font, its programs kept in `store` (their keys added to `used`): an edit seldom adds a glyph."""

    def subset(data: bytes, glyphs: list[int]) -> bytes:
        made_from = f"{fingerprint}\0{hashlib.sha256(data).hexdigest()}\0{glyphs}"
        key = "font-" + hashlib.sha256(made_from.encode()).hexdigest()
        used.add(key)
        try:
            return FontProgram.model_validate_json(store[key]).program
        except (KeyError, ValidationError):
            program = subset_font(data, glyphs)
            store[key] = FontProgram(program=program, sha256=hashlib.sha256(program).hexdigest()).model_dump_json()
            return program

    return subset


def _plan(store: MutableMapping[str, str], key: str, count: int) -> tuple[dict[str, int], list[Entry | None]]:
    """The last build's link targets' page counters and chunks' starting states, or nothing if it does not fit."""
    try:
        plan = Plan.model_validate_json(store[key])
    except (KeyError, ValidationError):
        return {}, [None] * count
    if len(plan.entries) == count and plan.entries[0] is None:
        return dict(plan.targets), list(plan.entries)
    return dict(plan.targets), [None] * count


def _stored(store: MutableMapping[str, str], key: str) -> ChunkLayout | None:
    """The chunk laid out by an earlier build, if the store has it and it checks out."""
    try:
        return ChunkLayout.model_validate_json(store[key])
    except (KeyError, ValidationError):
        return None


def _document(chunk: PrintChunk, entry: Entry | None, proxies: dict[str, int]) -> str:
    """The chunk's HTML with its starting state and its proxies put in."""
    css = ["[data-bookforge-shell] { display: none !important; }"]
    content = chunk.content
    if entry is not None:
        css.append(f"html {{ break-before: {entry.side} !important; }}")
        css.append(f"@page :first {{ {_counter_css(entry.counter)} }}")
        strings = ", ".join(f"{name} {json.dumps(value, ensure_ascii=False)}" for name, value in entry.strings)
        style = f"display: block !important; string-set: {strings} !important;" if strings else "display: block"
        content = content.replace('data-bookforge-prelude=""',
                                  f'data-bookforge-prelude="" style="{html.escape(style)}"', 1)
    boxes = []
    for n, (target, counter) in enumerate(sorted(proxies.items())):
        css.append(f"@page {PROXY_PAGE.format(n)} {{ {_counter_css(counter)} }}")
        boxes.append(f'<div id="{html.escape(target)}" data-bookforge-proxy="" style="display: block !important; '
                     f'break-before: page !important; page: {PROXY_PAGE.format(n)};"></div>')
    head, body = content.find("</head>"), content.rfind("</body>")
    if head < 0 or body < 0:
        raise CannotChunk("the book template has no </head> or </body>")
    style = "<style>\n" + "\n".join(css) + "\n</style>\n"
    return content[:head] + style + content[head:body] + "".join(boxes) + content[body:]


def _counter_css(value: int) -> str:
    return (f"counter-reset: page {value} !important; counter-increment: none !important; "
            "counter-set: none !important;")


def _typeset(content: str, has_prelude: bool, proxies: set[str], typesetter, key: str | None = None,
             start: Entry | None = None, ticket: int | None = None) -> tuple[ChunkLayout, Reads] | None:
    """The chunk laid out from `start` (in `content`'s prelude), and what of its starting state the layout read.

    Once its pages are made (before their margin boxes and the PDF), it tells where it ends (telling.tell, as `key`);
    with a `ticket`, the walk answers with the real start, from which the pages are finished (furnish.py), or with
    nothing: then the layout is dropped (None)."""
    paginated = furnish.Paginated(typesetter, content)
    boxes = paginated.pages
    first = 1 if has_prelude else 0
    last = next((i for i, page in enumerate(boxes) if _holds_proxy(page)), len(boxes)) if proxies else len(boxes)
    if last <= first:
        raise CannotChunk("the proxies share pages with the text")
    values = pagemap.page_counter_values(boxes[:last])
    reset = next((i for i in range(first + 1, last) if values[i][1]), last)
    anchors = {ident: (values[i][0], i < reset) for ident, i in paginated.anchors(first, last).items()}
    told = Entry(side=boxes[last - 1].page_type.side, counter=values[-1][0],
                 strings=tuple(sorted(paginated.string_sets(0, last).items())))
    exact = telling.tell(key, told, Reads(
        counter=True, resets=any(reset for _, reset in values[first:]), strings_set=frozenset(),
        blank=boxes[first].page_type.blank, text_counter=paginated.text_counter,
        sets=tuple(sorted(paginated.string_sets(first, last).items()))), start, ticket, anchors)
    if exact == telling.DROPPED:
        return None
    drop = start is not None and exact is not None and start.side != exact.side
    shift = exact.counter - start.counter if start is not None and exact is not None else 0
    rendered, root, warnings = paginated.finish(shift - drop, drop,
                                                None if exact == start else dict(exact.strings))
    pages = rendered.pages
    last -= drop
    if has_prelude and (pages[0].anchors or any(pagemap.page_texts(pages[0]))):
        raise CannotChunk("a part does not start on a page of its own")
    if last != next((i for i, page in enumerate(pages) if proxies & set(page.anchors)), len(pages)) or \
            any(set(page.anchors) - proxies for page in pages[last:]):
        raise CannotChunk("the proxies share pages with the text")
    if any(not page._page_box.page_type.blank and not page.anchors and not _has_content(page)
           for page in pages[first:last]):
        # An empty page that is not a left/right blank: something outside the parts (a wrapper in the book's
        # template) makes pages of its own, in every chunk.
        raise CannotChunk("the book template makes pages outside the parts")
    counters = _moved_counters(pagemap.page_counters(pages[:last]), shift)
    sets = paginated.string_sets(first, last)
    strings = (dict(exact.strings) if exact is not None else {}) | sets
    kept = pages[first:last]
    exit = Entry(side=pages[last - 1]._page_box.page_type.side, counter=counters[-1].value,
                 strings=tuple(sorted(strings.items())))
    reads = _reads(kept, tuple(counters[first:]), paginated.text_counter, sets)
    # The proxies' pages stay in the chunk's PDF, for WeasyPrint keeps only the links whose target it has; the
    # join leaves them out.
    document = rendered.copy(pages[first:])
    data, more = typesetter.write(document, first_recto=kept[0]._page_box.page_type.side == "right")
    starts = pagemap.page_starts(kept, root, labels=[str(i) for i in range(len(kept))])
    anchors: dict[str, int] = {}
    for i, page in enumerate(kept):
        for ident in page.anchors:
            anchors.setdefault(ident, i)
    layout = ChunkLayout(
        pdf=data, sha256=hashlib.sha256(data).hexdigest(), counters=tuple(counters[first:]), anchors=anchors,
        bookmarks=tuple((level, state == "closed") for page in kept for level, _, _, state in page.bookmarks),
        starts=tuple((int(start.label), start) for start in starts), exit=exit, warnings=tuple(warnings + more))
    return layout, reads


def _holds_proxy(page_box) -> bool:
    return any(box.element is not None and box.element.get("data-bookforge-proxy") is not None
               for box in page_box.descendants() if getattr(box, "element", None) is not None)


def _moved_counters(counters: list[pagemap.PageCounter], shift: int) -> list[pagemap.PageCounter]:
    """The page counters of a chunk paginated from a start `shift` pages off: moved up to the first page after its
    prelude that resets them."""
    if not shift:
        return counters
    moved = []
    for i, counter in enumerate(counters):
        if i > 0 and counter.reset:
            shift = 0
        moved.append(counter.model_copy(update={"value": counter.value + shift}) if shift else counter)
    return moved


def _reads(kept: list, counters: tuple[pagemap.PageCounter, ...], text_counter: bool,
           sets: dict[str, str]) -> Reads:
    """What of the starting state (the prelude's counter and named strings) the chunk's pages show."""
    from weasyprint.formatting_structure import boxes

    reset = next((i for i, counter in enumerate(counters) if counter.reset), None)
    settled: set[str] = set()
    unsettled: set[str] = set()
    for page in kept:
        here = {name for box in page._page_box.descendants() if box.string_set and box.string_set != "none"
                for name, _ in box.string_set}
        for box in page._page_box.children:
            if isinstance(box, boxes.MarginBox) and isinstance(box.style["content"], tuple):
                # A name shown before the chunk sets it (or with `start`, on the page that sets it) shows the
                # starting value.
                unsettled |= {argument[0] for kind, argument in box.style["content"] if kind == "string()" and
                              argument[0] not in settled and (argument[0] not in here or argument[-1] == "start")}
        settled |= here - unsettled
    return Reads(counter=any(c.printed is not None for c in counters[:reset]), resets=reset is not None,
                       strings_set=frozenset(settled),
                       blank=kept[0]._page_box.page_type.blank, text_counter=text_counter,
                       sets=tuple(sorted(sets.items())))


def _has_content(page) -> bool:
    """Text or an image on the page, outside its margin boxes."""
    from weasyprint.formatting_structure import boxes

    def visit(box) -> bool:
        if isinstance(box, boxes.MarginBox):
            return False
        if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
            return True
        return any(visit(child) for child in getattr(box, "children", ()))

    return visit(page._page_box)
