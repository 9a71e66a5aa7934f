"""OpenType fonts with PostScript outlines (CFF) made TrueType, for PDF/X-1a: PDF 1.4 cannot embed an OpenType
font program, only a TrueType one (or a bare CFF, which WeasyPrint does not write)."""

from __future__ import annotations

import functools
import io

MAX_ERROR = 1.0
"""Font units a quadratic curve may stray from the cubic it replaces (fontTools' cu2qu; 1 in 1,000 is invisible)."""


@functools.lru_cache(maxsize=32)
def as_truetype(data: bytes) -> bytes:
    """The font with TrueType outlines: unchanged when it has them already. Kept per process (the book face's four
    styles take ~1 s each to convert)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    if font.sfntVersion != "OTTO" or "CFF " not in font:
        return data
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    metrics = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):  # the left side bearing is the outline's leftmost point in TrueType
            metrics[name] = (metrics[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for key in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                "maxSizeOfInstructions"):
        setattr(maxp, key, 0)
    maxp.maxComponentElements = max((len(getattr(glyph, "components", ())) for glyph in glyphs.values()), default=0)
    maxp.compile(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
