"""The print cover wrap: back, spine and front with bleed, sized from the interior's real page count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import BookforgeError, Diagnostic
from .layout import Layout
from .model import Book
from .trim import COVER_BLEED, bleed_points, parse_trim, to_points

# Paper thickness in inches a page, as printers publish it. KDP: white 0.002252, cream 0.0025. A printer's own
# figure goes in the layout's `paper_thickness` setting (e.g. "0.0025in"), which wins over this table.
PAPER_THICKNESS: dict[str, float] = {"white": 0.002252, "cream": 0.0025}
SPINE_TEXT_MIN_PAGES = 100  # KDP prints spine text only from 100 pages on
BARCODE_AREA = (2.0, 1.2)  # inches, kept clear (white) on the back for the printer's barcode
SAFE = 0.25  # inches: text stays this far inside each panel's edges (KDP asks at least 0.125 from the trim)


# Deep blue ground, warm paper-white type, a brass accent; on press, the same in CMYK. The ebook's cover image
# (epubcover.py) uses the screen colours.
SCREEN_COLOURS = {"ground": "#1c2d44", "type": "#f7f2e6", "accent": "#d3a55a", "white": "#ffffff"}
PRESS_COLOURS = {"ground": "device-cmyk(0.88 0.62 0.18 0.52)", "type": "device-cmyk(0 0.02 0.08 0)",
                 "accent": "device-cmyk(0.12 0.3 0.75 0.08)", "white": "device-cmyk(0 0 0 0)"}


@dataclass(frozen=True)
class CoverGeometry:
    """All in inches. The PDF is `width` x `height`: both covers, the spine and the bleed around them."""

    pages: int
    trim_width: float
    trim_height: float
    spine: float
    bleed: float
    thickness: float

    @property
    def width(self) -> float:
        return 2 * self.bleed + 2 * self.trim_width + self.spine

    @property
    def height(self) -> float:
        return 2 * self.bleed + self.trim_height

    @property
    def spine_text(self) -> bool:
        return self.pages >= SPINE_TEXT_MIN_PAGES


def paper_thickness(layout: Layout) -> float:
    custom = str(layout.settings.get("paper_thickness") or "").strip()
    if not custom:
        return PAPER_THICKNESS[layout.settings["paper"]]
    try:
        return to_points(custom) / 72
    except ValueError:
        raise BookforgeError([Diagnostic("bad-setting", f"`paper_thickness` should be a length a page such as "
                                         f"`0.0025in`, not `{custom}`", layout.origins.get("paper_thickness"))])


def cover_geometry(layout: Layout, pages: int) -> CoverGeometry:
    trim = parse_trim(layout.settings["trim"])
    assert trim is not None, "layout.py validates the trim"
    width, height = (points / 72 for points in trim.points)
    thickness = paper_thickness(layout)
    bleed = max(bleed_points(layout.settings) / 72, COVER_BLEED)
    return CoverGeometry(pages=pages, trim_width=width, trim_height=height, spine=round(pages * thickness, 4),
                         bleed=bleed, thickness=thickness)


def cover_context(layout: Layout, geometry: CoverGeometry) -> dict[str, Any]:
    """What `cover.html` sees as `cover`: lengths as CSS and colours fit for the edition's PDF variant."""
    press = layout.settings["pdf_variant"].startswith("pdf/x")
    return {
        "pages": geometry.pages, "spine_text": geometry.spine_text,
        "trim_width": f"{geometry.trim_width:.4f}in", "trim_height": f"{geometry.trim_height:.4f}in",
        "spine": f"{geometry.spine:.4f}in", "bleed": f"{geometry.bleed:.4f}in",
        "wrap_width": f"{2 * geometry.trim_width + geometry.spine:.4f}in",
        "safe": f"{SAFE}in", "barcode_width": f"{BARCODE_AREA[0]}in", "barcode_height": f"{BARCODE_AREA[1]}in",
        **(PRESS_COLOURS if press else SCREEN_COLOURS),
    }


def write_cover(book: Book, name: str, layout: Layout, pages: int, modified: datetime):
    """The cover wrap's PDF for an interior of `pages` pages -> (PdfResult, CoverGeometry)."""
    from .pdf import write_pdf
    from .render import render_cover

    geometry = cover_geometry(layout, pages)
    rendition = render_cover(book, name, layout, cover_context(layout, geometry))
    return write_pdf(rendition, modified, bound=False), geometry
