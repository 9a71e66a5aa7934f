"""A print edition laid out in chunks (the front matter, then runs of parts: render.CHUNK_SIZE), each kept between
builds, and joined.

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
  the chunks are laid out again (from the cache but for what changed) until every proxy has its target's number.
What cannot be carried from chunk to chunk makes the edition lay out whole: counters other than the page's, the
page count, page selectors by place (`:nth(3)`), running elements, the PDF/UA structure tree, a part that does not
start a page.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import multiprocessing
import re
import warnings as warnings_module
from collections.abc import MutableMapping, Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass

from bookforge.errors import Diagnostic, Location
from bookforge.print import pagemap
from bookforge.render.rendition import PrintChunk, Rendition
from bookforge.stores import retain, tool_fingerprint

MAX_PASSES = 4
PROXY_PAGE = "bookforge-proxy-{}"
# Counters that belong to one element or one page, which therefore need not carry from chunk to chunk.
LOCAL_COUNTERS = {"page", "pages", "list-item", "none"}
COUNTER_PROPERTY = re.compile(r"counter-(?:reset|increment|set)\s*:\s*([^;}!]*)", re.IGNORECASE)
# What only the whole document knows: its page count (`counter(pages)`), a page's place in it (`@page :nth(3)`),
# footnote numbers (WeasyPrint counts `float: footnote` itself), another chunk's text (`target-text()`), running
# elements.
WHOLE_BOOK_CSS = re.compile(r"counters?\(\s*pages\b|:nth\((?![^)]*\bof\b)|float\s*:\s*footnote|target-text\("
                            r"|running\(|element\(", re.IGNORECASE)
LINK = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')


@dataclass(frozen=True)
class Entry:
    """Where the chunk before this one ended: the side and page counter of its last page, the named strings."""

    side: str
    counter: int
    strings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ChunkLayout:
    """One chunk laid out: its PDF and what joining it to the others needs. Kept in the store as JSON."""

    pdf: bytes
    counters: tuple[pagemap.PageCounter, ...]
    anchors: dict[str, int]
    """Element id -> page index in this chunk."""
    bookmarks: tuple[tuple[int, bool], ...]
    """(level, closed) of each bookmark, in the order of the PDF's outline."""
    starts: tuple[tuple[int, pagemap.PageStart], ...]
    """(page index, where it starts) for the print page list."""
    exit: Entry
    warnings: tuple[Diagnostic, ...]

    def dump(self) -> str:
        return json.dumps({
            "pdf": base64.b64encode(self.pdf).decode(), "sha256": hashlib.sha256(self.pdf).hexdigest(),
            "counters": [asdict(c) for c in self.counters],
            "anchors": self.anchors, "bookmarks": self.bookmarks,
            "starts": [(index, asdict(start)) for index, start in self.starts], "exit": asdict(self.exit),
            "warnings": [(w.code, w.message, str(w.location) if w.location else None, w.hint, w.severity)
                         for w in self.warnings]})

    @classmethod
    def load(cls, text: str) -> ChunkLayout:
        data = json.loads(text)
        pdf = base64.b64decode(data["pdf"])
        if hashlib.sha256(pdf).hexdigest() != data["sha256"]:
            raise ValueError("the stored PDF is damaged")
        exit_ = data["exit"]
        return cls(
            pdf=pdf, counters=tuple(pagemap.PageCounter(**c) for c in data["counters"]),
            anchors=data["anchors"], bookmarks=tuple((level, closed) for level, closed in data["bookmarks"]),
            starts=tuple((index, pagemap.PageStart(s["label"], s["anchor"], tuple(s["path"]), s["offset"], s["text"]))
                         for index, s in data["starts"]),
            exit=Entry(exit_["side"], exit_["counter"], tuple(tuple(pair) for pair in exit_["strings"])),
            warnings=tuple(Diagnostic(code, message, Location(where) if where else None, hint, severity=severity)
                           for code, message, where, hint, severity in data["warnings"]))


class CannotChunk(Exception):
    """This edition's layout does not lay out in chunks as it does whole."""


def can_lay_out(rendition: Rendition) -> bool:
    """Whether nothing in the layout is known to need the whole book in one document."""
    settings = rendition.layout.settings
    if len(rendition.chunks) < 2 or not settings["chunked"] or settings["pdf_variant"] == "pdf/ua-1":
        return False
    for _, css in rendition.stylesheets:
        if WHOLE_BOOK_CSS.search(css):
            return False
        for declaration in COUNTER_PROPERTY.findall(css):
            names = {word.lower() for word in re.findall(r"[A-Za-z_][\w-]*", declaration)}
            if names - LOCAL_COUNTERS:
                return False
    return True


@dataclass(frozen=True)
class ChunkCounts:
    laid_out: int
    """Chunks laid out by this build; the others were the last build's."""
    total: int
    ahead: int = 0
    """Of those laid out, how many other processes laid out ahead of their turn (see `_Ahead`)."""


def lay_out(rendition: Rendition, typesetter, store: MutableMapping[str, str], workers: int = 1):
    """(PDF bytes, pages, warnings, page starts, ChunkCounts) of the edition laid out in chunks, or None if it
    cannot be.

    `typesetter` is pdf.Typesetter; `store` keeps each chunk's layout by a hash of all it is made from. With
    `workers` > 1, chunks whose layout is missing are laid out ahead in that many processes, each from where it
    started in the last build (right after a change of style), or, once a chunk ends elsewhere than it did, from
    there shifted alike (right after an edit that added a page).
    """
    chunks = rendition.chunks
    owner = {ident: i for i, chunk in enumerate(chunks) for ident in ID.findall(chunk.own_html)}
    references = [sorted({t for t in LINK.findall(chunk.own_html) if owner.get(t, i) != i})
                  for i, chunk in enumerate(chunks)]
    fingerprint = hashlib.sha256(f"{tool_fingerprint()}\0{typesetter.fingerprint()}".encode()).hexdigest()
    # Where each chunk started and what page each link target had in the last build: a first guess, found right
    # (or corrected) by the passes below, whatever changed since.
    plan_key = "plan-" + hashlib.sha256(rendition.edition_name.encode()).hexdigest()
    # Found by an earlier build: this layout (these stylesheets, fonts, tools) cannot be laid out in chunks.
    whole_key = "whole-" + fingerprint
    if whole_key in store:
        return None
    targets, entries = _plan(store, plan_key, len(chunks))
    used, laid_out, ahead_count = set(), set(), 0  # the last pass's keys; indexes of the chunks laid out

    def key_of(index: int, content: str) -> str:
        # The joined PDF's metadata (dates, keywords) is the first chunk's.
        dated = repr(_metadata(typesetter)) if index == 0 else ""
        return "chunk-" + hashlib.sha256(f"{fingerprint}\0{dated}\0{content}".encode()).hexdigest()

    try:
        with _Ahead(typesetter, workers) as ahead:

            def guess_from(start: int) -> None:
                """Lay out ahead the chunks from `start` on that are not in the store, where `entries` has them."""
                guesses = []
                for index in range(start, len(chunks)):
                    if index and entries[index] is None:  # no idea where it starts: no guess
                        continue
                    proxies = {target: targets.get(target, 1) for target in references[index]}
                    content = _document(chunks[index], entries[index], proxies)
                    guesses.append((key_of(index, content), content, entries[index] is not None, set(proxies)))
                ahead.lay_out([guess for guess in guesses if guess[0] not in store])

            for _ in range(MAX_PASSES):
                guess_from(0)
                layouts, entry, used = [], None, set()
                for index, (chunk, wanted) in enumerate(zip(chunks, references)):
                    proxies = {target: targets.get(target, 1) for target in wanted}
                    content = _document(chunk, entry, proxies)
                    key = key_of(index, content)
                    layout = _stored(store, key)
                    if layout is None:
                        layout = ahead.take(key)
                        ahead_count += layout is not None
                        layout = layout or _typeset(content, entry is not None, set(proxies), typesetter)
                        store[key] = layout.dump()
                        laid_out.add(index)
                    used.add(key)
                    layouts.append(layout)
                    entries[index], entry = entry, layout.exit
                    following = index + 1
                    if workers > 1 and following < len(chunks) and entries[following] not in (None, entry):
                        # This chunk ended elsewhere than last time (an edit moved its last page): the ones after
                        # it start shifted alike. Guess again.
                        entries[following:] = _shifted(entries[following:], entry)
                        guess_from(following)
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
    store[plan_key] = json.dumps({"targets": targets, "entries": [asdict(e) if e else None for e in entries]},
                                 sort_keys=True)
    retain(store, used | {plan_key})  # not the chunks of earlier versions of the book, or of earlier passes
    return *_join(layouts), ChunkCounts(len(laid_out), len(chunks), ahead_count)


def _shifted(planned: list[Entry | None], start: Entry) -> list[Entry | None]:
    """Where the chunks start if the first now starts at `start` and the others as far after as they were: a
    guess. Chapters open on right-hand pages, so what moves is the first right-hand page after the start."""

    def first_right(entry: Entry) -> int:
        return entry.counter + (2 if entry.side == "right" else 1)

    if planned[0] is None:
        return planned
    shift = first_right(start) - first_right(planned[0])
    return [start] + [Entry(e.side, e.counter + shift, e.strings) if e else None for e in planned[1:]]


def _plan(store: MutableMapping[str, str], key: str, count: int) -> tuple[dict[str, int], list[Entry | None]]:
    """The last build's link targets' page counters and chunks' starting states, or nothing if it does not fit."""
    try:
        plan = json.loads(store[key])
        targets = {str(k): int(v) for k, v in plan["targets"].items()}
        entries = [Entry(e["side"], int(e["counter"]), tuple(tuple(pair) for pair in e["strings"])) if e else None
                   for e in plan["entries"]]
        if len(entries) == count and entries[0] is None:
            return targets, entries
        return targets, [None] * count
    except (KeyError, ValueError, TypeError, AttributeError):
        return {}, [None] * count


class _Ahead:
    """Chunks laid out in other processes before their turn, from a guess of where they start.

    A chunk's layout depends on where the one before it ended, so the build takes the chunks in order; a guess
    that proves right saves that wait, a wrong one is dropped (the build then lays the chunk out itself).
    """

    MINIMUM = 3  # fewer missing chunks are not worth starting processes for (~1.5 s: WeasyPrint's import)

    def __init__(self, typesetter, workers: int):
        self.typesetter, self.workers = typesetter, workers
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[str, Future] = {}

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def lay_out(self, guesses: list[tuple[str, str, bool, set[str]]]) -> None:
        guesses = [guess for guess in guesses if guess[0] not in self.futures]
        if self.workers < 2 or (self.pool is None and len(guesses) < self.MINIMUM):
            return
        if self.pool is None:
            # "spawn": the preview server has threads, and a forked child of a threaded process can deadlock.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            for key, content, has_prelude, proxies in guesses:
                self.futures[key] = self.pool.submit(_typeset, content, has_prelude, proxies, self.typesetter)
        except BrokenExecutor:  # a worker died earlier: the build goes on without laying out ahead
            self.workers = 1

    def take(self, key: str) -> ChunkLayout | None:
        future = self.futures.pop(key, None)
        try:
            return future.result() if future is not None else None
        except BrokenExecutor:  # a worker died (out of memory, killed): the build lays the chunk out itself
            return None


def _metadata(typesetter) -> tuple:
    """What the PDF's metadata has that the chunk's HTML does not (the title and authors are in its <head>)."""
    return typesetter.modified.isoformat(), typesetter.rendition.book.metadata.subjects


def _stored(store: MutableMapping[str, str], key: str) -> ChunkLayout | None:
    """The chunk laid out by an earlier build, if the store has it and it checks out."""
    try:
        return ChunkLayout.load(store[key])
    except (KeyError, ValueError, TypeError, AttributeError):
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


def _typeset(content: str, has_prelude: bool, proxies: set[str], typesetter) -> ChunkLayout:
    rendered, root, warnings = typesetter.lay_out(content)
    pages = rendered.pages
    first = 1 if has_prelude else 0
    last = next((i for i, page in enumerate(pages) if proxies & set(page.anchors)), len(pages))
    if has_prelude and (pages[0].anchors or any(pagemap.page_texts(pages[0]))):
        raise CannotChunk("a part does not start on a page of its own")
    if last <= first or any(set(page.anchors) - proxies for page in pages[last:]):
        raise CannotChunk("the proxies share pages with the text")
    if any(not page._page_box.page_type.blank and not page.anchors and not _has_content(page)
           for page in pages[first:last]):
        # An empty page that is not a left/right blank: something outside the parts (a wrapper in the book's
        # template) makes pages of its own, in every chunk.
        raise CannotChunk("the book template makes pages outside the parts")
    counters = pagemap.page_counters(pages[:last])
    strings: dict[str, str] = {}
    for page in pages[:last]:
        for box in page._page_box.descendants():
            for name, text in box.string_set if box.string_set and box.string_set != "none" else ():
                strings[name] = text
    kept = pages[first:last]
    # The proxies' pages stay in the chunk's PDF, for WeasyPrint keeps only the links whose target it has; the
    # join leaves them out.
    document = rendered.copy(pages[first:])
    data, more = typesetter.write(document, first_recto=kept[0]._page_box.page_type.side == "right")
    starts = pagemap.page_starts(kept, root, labels=[str(i) for i in range(len(kept))])
    anchors: dict[str, int] = {}
    for i, page in enumerate(kept):
        for ident in page.anchors:
            anchors.setdefault(ident, i)
    return ChunkLayout(
        pdf=data, counters=tuple(counters[first:]), anchors=anchors,
        bookmarks=tuple((level, state == "closed") for page in kept for level, _, _, state in page.bookmarks),
        starts=tuple((int(start.label), start) for start in starts),
        exit=Entry(pages[last - 1]._page_box.page_type.side, counters[-1].value, tuple(sorted(strings.items()))),
        warnings=tuple(warnings + more))


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


def _join(layouts: Sequence[ChunkLayout]):
    """One PDF from the chunks' PDFs: their pages, named destinations and bookmarks; the first one's catalog."""
    import pikepdf

    merged = pikepdf.new()
    sources, names, bookmarks, counters, starts, warnings = [], [], [], [], [], []
    try:
        for layout in layouts:
            source = pikepdf.open(io.BytesIO(layout.pdf))
            sources.append(source)
            offset, count = len(merged.pages), len(layout.counters)
            index = {page.obj.objgen: i for i, page in enumerate(source.pages)}
            with warnings_module.catch_warnings():  # the named destinations are carried over below
                warnings_module.simplefilter("ignore", pikepdf.exceptions.PageCopyWarning)
                merged.pages.extend(source.pages[:count])
            tree = source.Root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
            for i in range(0, len(tree), 2):
                page = index[tree[i + 1][0].objgen]
                if page < count:  # not a proxy
                    names.append((str(tree[i]), offset + page, list(tree[i + 1][1:])))
            outline = list(_preorder(source))
            if len(outline) != len(layout.bookmarks):
                raise AssertionError("a chunk's outline does not match its bookmarks")
            for (level, closed), (title, dest) in zip(layout.bookmarks, outline):
                bookmarks.append((level, (title, offset + index[dest[0].objgen], list(dest[1:]), closed)))
            starts.extend((len(counters) + i, start) for i, start in layout.starts)
            counters.extend(layout.counters)
            warnings.extend(w for w in layout.warnings if w not in warnings)
        first = sources[0]
        for key, value in first.Root.items():
            if key not in ("/Type", "/Pages", "/Names", "/Outlines", "/StructTreeRoot"):
                merged.Root[key] = merged.copy_foreign(value) if value.is_indirect else _copied(merged, value)
        if "/Info" in first.trailer:
            merged.trailer.Info = merged.copy_foreign(first.trailer.Info)
        if names:
            entries = []
            for name, page, location in sorted(names):
                entries += [pikepdf.String(name), pikepdf.Array([merged.pages[page].obj, *location])]
            merged.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=pikepdf.Array(entries)))
        _share_streams(merged)
        _retag_subsets(merged)
        with merged.open_outline() as outline:
            outline.root.extend(_outline_items(merged, _nest(bookmarks)))
        version = first.pdf_version
        out = io.BytesIO()
        # The /ID: a hash of the content (qpdf's deterministic one), so the same book gives the same bytes.
        merged.save(out, min_version=version, force_version=version, deterministic_id=True,
                    object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    finally:
        for source in sources:
            source.close()
        merged.close()
    labels = pagemap.labels_of(counters)
    page_starts = tuple(pagemap.PageStart(labels[i], s.anchor, s.path, s.offset, s.text) for i, s in starts)
    return out.getvalue(), len(counters), warnings, page_starts


def _share_streams(merged) -> None:
    """Every chunk brought its own copy of the colour profiles and images (and of its font subsets): keep one of
    each that is the same. Only streams whose dictionary refers to no other object are compared (an image with
    a soft mask is kept as it is)."""
    import pikepdf

    seen: dict[bytes, pikepdf.Object] = {}
    visited: set[tuple[int, int]] = set()

    def key(stream) -> bytes | None:
        items = sorted((k, v) for k, v in stream.stream_dict.items() if k != "/Length")
        if any(isinstance(v, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and _refers(v) for _, v in items):
            return None
        # Numbers come out of pikepdf as Python numbers, everything else as PDF objects that can write themselves.
        syntax = b"".join(k.encode() + b" " + (v.unparse() if hasattr(v, "unparse") else repr(v).encode()) + b"\n"
                          for k, v in items)
        return hashlib.sha256(syntax + b"\0" + stream.read_raw_bytes()).digest()

    def visit(container) -> None:
        if container.is_indirect:
            if container.objgen in visited:
                return
            visited.add(container.objgen)
        entries = container.items() if isinstance(container, pikepdf.Dictionary) else enumerate(container)
        for name, value in list(entries):
            if isinstance(value, pikepdf.Stream) and value.is_indirect:
                digest = key(value)
                first = seen.setdefault(digest, value) if digest is not None else value
                if first.objgen != value.objgen:
                    container[name] = first
                    continue
                visit(value.stream_dict)
            elif isinstance(value, (pikepdf.Dictionary, pikepdf.Array)):
                visit(value)

    for page in merged.pages:
        if "/Resources" in page.obj:
            visit(page.obj.Resources)
    visit(merged.Root)


def _refers(value) -> bool:
    """Whether a direct dictionary or array holds a reference to another object."""
    import pikepdf

    if value.is_indirect:
        return True
    children = value.values() if isinstance(value, pikepdf.Dictionary) else value
    return any(isinstance(child, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and _refers(child)
               for child in children)


def _retag_subsets(merged) -> None:
    """WeasyPrint tags a font subset after the font (`ABCDEF+Source-Serif-Pro`), so every chunk's subset has the
    same name; different subsets in one PDF must have different tags (ISO 32000-1, 9.6.4), or a printer that
    caches fonts by name may draw the wrong glyphs. Each gets a tag from a hash of its own bytes."""
    import pikepdf

    done: set[tuple[int, int]] = set()
    for page in merged.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for _, font in fonts.items():
            if font.objgen in done:
                continue
            done.add(font.objgen)
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants else font
            descriptor = target.get("/FontDescriptor")
            name = str(font.get("/BaseFont", ""))
            if descriptor is None or not re.match(r"^/[A-Z]{6}\+", name):
                continue
            program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor),
                           None)
            if program is None:
                continue
            digest = hashlib.sha256(program.read_raw_bytes()).digest()
            renamed = pikepdf.Name("/" + "".join(chr(65 + byte % 26) for byte in digest[:6]) + name[7:])
            font.BaseFont = target.BaseFont = descriptor.FontName = renamed


def _copied(merged, value):
    """A direct object from another PDF, the indirect objects in it copied."""
    import pikepdf

    if isinstance(value, pikepdf.Array):
        return pikepdf.Array([merged.copy_foreign(v) if v.is_indirect else _copied(merged, v) for v in value])
    if isinstance(value, pikepdf.Dictionary):
        return pikepdf.Dictionary({k: merged.copy_foreign(v) if v.is_indirect else _copied(merged, v)
                                   for k, v in value.items()})
    return value


def _preorder(source):
    """(title, destination array) of every outline item, in document order."""
    def visit(item):
        while item is not None:
            yield str(item.Title), item.Dest
            if "/First" in item:
                yield from visit(item.First)
            item = item.get("/Next")

    outlines = source.Root.get("/Outlines")
    if outlines is not None and "/First" in outlines:
        yield from visit(outlines.First)


def _nest(bookmarks: list[tuple[int, object]]) -> list:
    """Bookmarks nested by level as WeasyPrint nests them: a skipped level nests one deeper, not two."""
    root: list = []
    skipped: list[int] = []
    last_by_depth = [root]
    previous = 0
    for level, payload in bookmarks:
        if level > previous:
            skipped.append(level - previous - 1)
        else:
            temp = level
            while temp < previous:
                temp += 1 + skipped.pop()
            if temp > previous:
                skipped.append(temp - previous - 1)
        previous = level
        depth = level - sum(skipped)
        children: list = []
        last_by_depth[depth - 1].append((payload, children))
        del last_by_depth[depth:]
        last_by_depth.append(children)
    return root


def _outline_items(merged, nodes: list) -> list:
    import pikepdf

    items = []
    for (title, page, location, closed), children in nodes:
        item = pikepdf.OutlineItem(title, pikepdf.Array([merged.pages[page].obj, *location]))
        item.children.extend(_outline_items(merged, children))
        item.is_closed = closed
        items.append(item)
    return items
