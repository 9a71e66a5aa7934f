"""A project's own font files (assets/fonts/, which even bookforge's layouts look in first) are checked from their
bytes at load, as images are: a file with a font's first four bytes that fontTools cannot read is a located
`not-a-font` error, never a crash later in the build."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from bookforge.errors import BookforgeError
from bookforge.project import load_project
from tests.books import tiny_project


def _font() -> bytes:
    """A small well-formed TrueType font."""
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "a"])
    builder.setupCharacterMap({0x61: "a"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "a": empty})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "a": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Plain", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def _broken_table(tag: bytes) -> bytes:
    """The small font with the table `tag` cut to four bytes (its directory entry says so)."""
    data = bytearray(_font())
    for entry in range(int.from_bytes(data[4:6], "big")):
        at = 12 + 16 * entry
        if data[at:at + 4] == tag:
            data[at + 12:at + 16] = (4).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize(("name", "data"), [
    ("truncated", b"OTTO" + b"\xff" * 200),
    ("broken-cmap", None),
    ("broken-hmtx", None),
    ("broken-name", None),
])
def test_a_malformed_project_font_is_refused_at_load(tmp_path: Path, name, data):
    data = data or _broken_table(name.split("-")[1].encode())
    root = tiny_project(tmp_path / "book")
    (root / "assets" / "fonts").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "fonts" / "LinLibertine_R.otf").write_bytes(data)  # the base layout's regular face
    with pytest.raises(BookforgeError) as caught:
        load_project(root)
    problems = [str(d).splitlines()[0] for d in caught.value.diagnostics]
    assert any("error[not-a-font]" in p and "`fonts/LinLibertine_R.otf` cannot be read as a font" in p
               for p in problems), problems


def test_a_well_formed_project_font_is_read(tmp_path: Path):
    root = tiny_project(tmp_path / "book")
    (root / "assets" / "fonts").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "fonts" / "LinLibertine_R.otf").write_bytes(_font())
    assert load_project(root) is not None
