"""The chunks' PDFs joined into one (pikepdf): their pages, named destinations and bookmarks, one font program per
face, the first chunk's catalog, and the book's metadata, which no chunk's layout holds."""

from __future__ import annotations

import hashlib
import io
import re
import warnings as warnings_module
from collections.abc import Mapping, Sequence
from datetime import datetime

from bookforge.print import pagemap
from bookforge.print.labels import pikepdf_labels
from bookforge.print.fontmerge import PROGRAMS, Subsetter, merge_subsets
from bookforge.print.records import ChunkLayout


def join(layouts: Sequence[ChunkLayout], fonts: Mapping[str, bytes], modified: datetime,
         keywords: Sequence[str], subset: Subsetter | None = None):
    """(PDF bytes, pages, warnings, page starts) of the book: the chunks in order, with `fonts` (the layout's font
    files) to make each face's one subset from (through `subset`), and the date and keywords of the book's
    metadata."""
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
            if key not in ("/Type", "/Pages", "/Names", "/Outlines", "/StructTreeRoot", "/PageLabels"):
                merged.Root[key] = merged.copy_foreign(value) if value.is_indirect else _copied(merged, value)
        if "/Info" in first.trailer:
            merged.trailer.Info = merged.copy_foreign(first.trailer.Info)
        _set_metadata(merged, modified, keywords)
        merged.Root.PageLabels = pikepdf_labels(counters)
        if names:
            entries = []
            for name, page, location in sorted(names):
                entries += [pikepdf.String(name), pikepdf.Array([merged.pages[page].obj, *location])]
            merged.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=pikepdf.Array(entries)))
        merge_subsets(merged, fonts, subset)
        _share_streams(merged)
        _retag_subsets(merged)
        with merged.open_outline() as outline:
            outline.root.extend(_outline_items(merged, _nest(bookmarks)))
        version = first.pdf_version
        out = io.BytesIO()
        # The /ID: a hash of the content (qpdf's deterministic one), so the same book gives the same bytes.
        merged.save(out, min_version=version, force_version=version, deterministic_id=True, compress_streams=True,
                    object_stream_mode=pikepdf.ObjectStreamMode.generate)
    finally:
        for source in sources:
            source.close()
        merged.close()
    labels = pagemap.labels_of(counters)
    page_starts = tuple(start.model_copy(update={"label": labels[i]}) for i, start in starts)
    return out.getvalue(), len(counters), warnings, page_starts


def _set_metadata(merged, modified: datetime, keywords: Sequence[str]) -> None:
    """The dates and keywords, as WeasyPrint writes them for the book laid out whole (the chunks are laid out with
    neither, so that a chunk is the same whatever the date)."""
    import pikepdf

    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    if "/Info" in merged.trailer:
        info = merged.trailer.Info
        info.CreationDate = info.ModDate = pikepdf.String(modified.strftime("D:%Y%m%d%H%M%SZ"))
        if keywords:
            info.Keywords = pikepdf.String(", ".join(keywords))
        elif "/Keywords" in info:
            del info.Keywords
    if "/Metadata" in merged.Root:  # XMP (PDF/X)
        with merged.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            for name in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                if name in xmp:
                    xmp[name] = stamp
            if keywords:
                xmp["pdf:Keywords"] = ", ".join(keywords)


def _share_streams(merged) -> None:
    """Every chunk brought its own copy of the colour profiles and images: keep one of each that is the same.
    Only streams whose dictionary refers to no other object are compared (an image with a soft mask is kept as it
    is)."""
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
    """WeasyPrint tags a font subset after the font (`ABCDEF+Source-Serif-Pro`), so the subsets of a face that could
    not be merged (fontmerge.py) share one name; different subsets in one PDF must have different tags (ISO
    32000-1, 9.6.4), or a printer that caches fonts by name may draw the wrong glyphs. Each of those gets a tag
    from a hash of its own bytes; a face with one subset keeps WeasyPrint's name."""
    import pikepdf

    by_name: dict[str, dict[tuple[int, int], tuple]] = {}
    for page in merged.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants else font
            descriptor = target.get("/FontDescriptor")
            name = str(font.get("/BaseFont", ""))
            program = next((descriptor[k] for k in ("/FontFile", *PROGRAMS) if k in descriptor), None) \
                if descriptor is not None else None
            if program is not None and re.match(r"^/[A-Z]{6}\+", name):
                by_name.setdefault(name, {})[font.objgen] = (font, target, descriptor, program)
    for name, fonts in by_name.items():
        if len({program.objgen for _, _, _, program in fonts.values()}) < 2:
            continue
        for font, target, descriptor, program in fonts.values():
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
