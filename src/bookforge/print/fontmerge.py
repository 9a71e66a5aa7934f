"""One font program per face in a PDF joined from chunks.

Each chunk's PDF has its own subset of every face it uses (WeasyPrint keeps the font's glyph ids, so a glyph has
the same id in every chunk). At the join, each face's subsets become one: a subset of the layout's font file with
every glyph the book uses, one width array and one ToUnicode map, as in the book laid out whole.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Callable, Iterator, Mapping

# What WeasyPrint's own subsetting leaves out (weasyprint/pdf/fonts.py): layout tables (the PDF has positioned
# glyphs), bitmaps and colour glyphs, signatures.
DROPPED_TABLES = ["BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG "]
PROGRAMS = ("/FontFile2", "/FontFile3")
BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")


Subsetter = Callable[[bytes, list[int]], bytes]
"""(font file, glyph ids) -> the font file cut down to those glyphs, each at its id: `subset_font`, or a cache."""


def merge_subsets(pdf, fonts: Mapping[str, bytes], subset: Subsetter | None = None) -> int:
    """Give each face one subset for the whole of `pdf` (a pikepdf.Pdf), made by `subset` from its file in `fonts`
    (the layout's font files); returns how many faces were merged.

    A face is merged only when its subsets are WeasyPrint's kind (Type 0, Identity-H, glyph ids kept) and its file
    is found among `fonts` (same PostScript name, revision and glyph advances); any other font is left as it is.
    """
    import pikepdf

    groups: dict[str, list] = {}
    for font in _fonts(pdf):
        if _mergeable(font):
            groups.setdefault(str(font.BaseFont), []).append(font)
    sources = [_Source(data) for data in fonts.values()]
    merged = 0
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        one = _merged(pdf, members, sources, subset or subset_font)
        if one is not None:
            replaced.update((member.objgen, one) for member in members)
            merged += 1
    if replaced:
        for resources in _resources(pdf):
            table = resources.get("/Font")
            if table is None:
                continue
            for name, font in list(table.items()):
                if font.objgen in replaced:
                    table[name] = replaced[font.objgen]
    return merged


def _resources(pdf) -> Iterator:
    """Every resource dictionary the pages use: theirs, and those of the forms and patterns they draw."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    pending = [page.obj.get("/Resources") for page in pdf.pages]
    while pending:
        resources = pending.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        yield resources
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                if item.is_indirect and item.objgen in seen:
                    continue
                if item.is_indirect:
                    seen.add(item.objgen)
                inner = item.stream_dict if isinstance(item, pikepdf.Stream) else item
                pending.append(inner.get("/Resources"))


def _fonts(pdf) -> list:
    """The fonts of `pdf`, each once, in the order of the pages that first use them."""
    fonts, seen = [], set()
    for resources in _resources(pdf):
        for font in (resources.get("/Font") or {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                fonts.append(font)
    return fonts


def _mergeable(font) -> bool:
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H" or "/ToUnicode" not in font:
        return False
    (cid_font,) = font.DescendantFonts
    descriptor = cid_font.get("/FontDescriptor")
    return (descriptor is not None and "/W" in cid_font and sum(k in descriptor for k in PROGRAMS) == 1 and
            cid_font.get("/CIDToGIDMap", "/Identity") == "/Identity")


class _Source:
    """A font file of the layout, read lazily."""

    def __init__(self, data: bytes):
        self.data = data
        self._font = None

    @property
    def font(self):
        from fontTools.ttLib import TTFont

        if self._font is None:
            self._font = TTFont(io.BytesIO(self.data), lazy=True, recalcTimestamp=False)
        return self._font


def _identity(font) -> tuple:
    """What tells a font file apart: its PostScript name, revision and size of em."""
    return font["name"].getDebugName(6), round(font["head"].fontRevision, 3), font["head"].unitsPerEm


def _merged(pdf, members: list, sources: list[_Source], subset: Subsetter):
    """One Type 0 font for every subset in `members`, or None if they cannot be merged."""
    import pikepdf
    from fontTools.ttLib import TTFont, TTLibError

    widths: dict[int, float] = {}
    text: dict[int, bytes] = {}
    for font in members:  # in page order: a glyph maps to the text it first stood for, as in the whole book
        for glyph, width in _widths(font.DescendantFonts[0].W).items():
            if widths.setdefault(glyph, width) != width:
                return None
        for glyph, codes in _to_unicode(font.ToUnicode.read_bytes()).items():
            text.setdefault(glyph, codes)
    first = members[0]
    cid_font = first.DescendantFonts[0]
    descriptor = cid_font.FontDescriptor
    program_key = next(k for k in PROGRAMS if k in descriptor)
    try:
        embedded = TTFont(io.BytesIO(descriptor[program_key].read_bytes()), lazy=True)
        identity = _identity(embedded)
        source = next((s for s in sources if _identity(s.font) == identity and "fvar" not in s.font), None)
        if source is None or not _same_advances(embedded, source.font, _widths(cid_font.W)):
            return None
        program = subset(source.data, sorted(widths))
    except (TTLibError, KeyError, AssertionError, ValueError):
        return None
    stream = pikepdf.Stream(pdf, zlib.compress(program, 9))
    stream.Filter = pikepdf.Name.FlateDecode
    if program_key == "/FontFile3":
        stream.Subtype = pikepdf.Name.OpenType
    else:
        stream.Length1 = len(program)
    new_descriptor = pikepdf.Dictionary({k: v for k, v in descriptor.items() if k not in (program_key, "/CIDSet")})
    new_descriptor[program_key] = stream
    bbox = [float(v) for v in descriptor.FontBBox]
    new_descriptor.FontBBox = pikepdf.Array([0, bbox[1], max(widths.values()), bbox[3]])
    flags = int(descriptor.Flags) & ~1
    if len(widths) > 1 and len(set(widths.values())) == 1:
        flags |= 1  # FixedPitch
    new_descriptor.Flags = flags
    if "/CIDSet" in descriptor:  # PDF 1.4 (PDF/X-1a): which glyph ids the program has
        bits = bytearray((max(widths) + 8) // 8)
        for glyph in widths:
            bits[glyph // 8] |= 0x80 >> (glyph % 8)
        new_descriptor.CIDSet = pikepdf.Stream(pdf, zlib.compress(bytes(bits), 9))
        new_descriptor.CIDSet.Filter = pikepdf.Name.FlateDecode
    new_cid_font = pikepdf.Dictionary({k: v for k, v in cid_font.items() if k not in ("/W", "/FontDescriptor")})
    new_cid_font.W = _width_array(widths)
    new_cid_font.FontDescriptor = pdf.make_indirect(new_descriptor)
    new_font = pikepdf.Dictionary({k: v for k, v in first.items() if k not in ("/ToUnicode", "/DescendantFonts")})
    new_font.DescendantFonts = pikepdf.Array([pdf.make_indirect(new_cid_font)])
    cmap = pikepdf.Stream(pdf, zlib.compress(_cmap(text), 9))
    cmap.Filter = pikepdf.Name.FlateDecode
    new_font.ToUnicode = cmap
    return pdf.make_indirect(new_font)


def _same_advances(embedded, source, glyphs: Mapping[int, float]) -> bool:
    """Whether a chunk's subset has the source's glyphs at the same ids (it kept them: the advances agree)."""
    ours, theirs = embedded["hmtx"].metrics, source["hmtx"].metrics
    our_order, their_order = embedded.getGlyphOrder(), source.getGlyphOrder()
    used = [glyph for glyph in glyphs if glyph < len(our_order)]
    return bool(used) and all(glyph < len(their_order) and
                              ours[our_order[glyph]][0] == theirs[their_order[glyph]][0] for glyph in used)


def subset_font(data: bytes, glyphs: list[int]) -> bytes:
    """The font file cut down to `glyphs`, each at its id (as WeasyPrint subsets), by HarfBuzz's subsetter (the
    book face's CFF in ~0.01 s, where fontTools' takes ~1.5 s)."""
    import uharfbuzz

    flags = uharfbuzz.SubsetFlags
    wanted = uharfbuzz.SubsetInput()
    wanted.glyph_set.update(glyphs)
    # No closure over the layout tables: the PDF draws the glyphs it names, nothing they could become.
    wanted.flags = (flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.NO_HINTING | flags.DESUBROUTINIZE |
                    flags.NO_LAYOUT_CLOSURE)
    wanted.drop_table_tag_set.update(_tag(tag) for tag in DROPPED_TABLES)
    subset = uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob(data)), wanted)
    if subset is None:
        raise ValueError("HarfBuzz could not subset the font")
    return bytes(subset.blob.data)


def _tag(name: str) -> int:
    """An OpenType table tag as HarfBuzz's sets hold it: four bytes, big-endian."""
    return int.from_bytes(name.encode("ascii"), "big")


def _widths(array) -> dict[int, float]:
    """A CIDFont's /W array: `start [w w ...]` or `first last w`."""
    import pikepdf

    widths, items, i = {}, list(array), 0
    while i < len(items):
        start = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            widths.update((start + n, float(w)) for n, w in enumerate(items[i + 1]))
            i += 2
        else:
            widths.update((glyph, float(items[i + 2])) for glyph in range(start, int(items[i + 1]) + 1))
            i += 3
    return widths


def _width_array(widths: dict[int, float]):
    """A /W array as WeasyPrint writes it: a run of widths for each run of consecutive glyph ids."""
    import pikepdf

    items: list = []
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            items += [glyph, []]
        items[-1].append(int(widths[glyph]) if widths[glyph].is_integer() else widths[glyph])
    return pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in items])


def _to_unicode(cmap: bytes) -> dict[int, bytes]:
    """Glyph id -> UTF-16BE hex of a ToUnicode map's `beginbfchar` entries (WeasyPrint writes no ranges)."""
    if b"beginbfrange" in cmap:
        raise ValueError("a ToUnicode map with ranges")
    return {int(glyph, 16): codes.lower() for glyph, codes in BFCHAR.findall(cmap)}


def _cmap(text: dict[int, bytes]) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange", b"<0000> <ffff>",
             b"endcodespacerange"]
    items = sorted(text.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (glyph, codes) for glyph, codes in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)
