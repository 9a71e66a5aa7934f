"""Covers, the stage after the interior: the print cover wrap (back, spine, front with bleed, sized from the
interior's real page count) and the ebook's cover image, drawn from the same layout templates, geometry and
palette. The EPUB writer is handed the finished image."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bookforge.errors import BookforgeError
from bookforge.layout.chain import Layout
from bookforge.layout.geometry import COVER_BLEED, bleed_points, parse_trim, to_points
from bookforge.manuscript.model import Book
from bookforge.render.rendition import Rendition, render_cover

if TYPE_CHECKING:
    from bookforge.print.writer import PdfResult

# Paper thickness in inches a page, as printers publish it. KDP: white 0.002252, cream 0.0025. A printer's own
# figure goes in the layout's `paper_thickness` setting (e.g. "0.0025in"), which wins over this table.
PAPER_THICKNESS: dict[str, float] = {"white": 0.002252, "cream": 0.0025}
SPINE_TEXT_MIN_PAGES = 100  # KDP prints spine text only from 100 pages on
BARCODE_AREA = (2.0, 1.2)  # inches, kept clear (white) on the back for the printer's barcode
SAFE = 0.25  # inches: text stays this far inside each panel's edges (KDP asks at least 0.125 from the trim)

# Deep blue ground, warm paper-white type, a brass accent; on press, the same in CMYK.
SCREEN_COLOURS = {"ground": "#1c2d44", "type": "#f7f2e6", "accent": "#d3a55a", "white": "#ffffff"}
PRESS_COLOURS = {"ground": "device-cmyk(0.88 0.62 0.18 0.52)", "type": "device-cmyk(0 0.02 0.08 0)",
                 "accent": "device-cmyk(0.12 0.3 0.75 0.08)", "white": "device-cmyk(0 0 0 0)"}

# The ebook's cover image. Kindle asks 1,600 x 2,560 px (1:1.6); Apple Books at most 4 million pixels.
# 1,575 x 2,520 keeps KDP's shape and stays inside Apple's limit (3.97 MP).
EBOOK_WIDTH, EBOOK_HEIGHT = 1575, 2520
EBOOK_PAGE = ("6in", "9.6in")  # drawn at a print front's size, so cover-front.css's type sizes mean the same


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
    return to_points(custom) / 72  # a length: the layout's settings check says so


def cover_geometry(layout: Layout, pages: int) -> CoverGeometry:
    trim = parse_trim(layout.settings["trim"])
    assert trim is not None, "the layout's settings check validates the trim"
    width, height = (points / 72 for points in trim.points)
    thickness = paper_thickness(layout)
    bleed = max(bleed_points(layout.settings) / 72, COVER_BLEED)
    return CoverGeometry(pages=pages, trim_width=width, trim_height=height, spine=round(pages * thickness, 4),
                         bleed=bleed, thickness=thickness)


def _wrap_context(layout: Layout, geometry: CoverGeometry) -> dict[str, Any]:
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


def print_cover(book: Book, name: str, layout: Layout, pages: int, modified: datetime) -> bytes:
    """The print cover wrap's PDF for an interior of `pages` pages; its problems fail the build."""
    rendition = render_cover(book, name, layout, _wrap_context(layout, cover_geometry(layout, pages)))
    return _drawn(rendition, modified).data


def ebook_cover(book: Book, name: str, layout: Layout, modified: datetime,
                store: MutableMapping[str, str] | None = None) -> bytes:
    """The ebook's cover as a baseline JPEG of EBOOK_WIDTH x EBOOK_HEIGHT pixels, from the edition's layout.

    `store` keeps images drawn before, by a hash of the cover's HTML, stylesheets and fonts: drawing one takes
    WeasyPrint, which an EPUB build with an unchanged cover then never imports.
    """
    page = render_cover(book, name, layout, {"width": EBOOK_PAGE[0], "height": EBOOK_PAGE[1], **SCREEN_COLOURS})
    digest = hashlib.sha256(page.documents[0].content.encode())
    for path, css in page.stylesheets:
        digest.update(path.encode() + css.encode())
    for path, data in sorted(page.fonts.items()):
        digest.update(path.encode() + data)
    key = "cover-" + digest.hexdigest()
    if store is not None and key in store:
        return base64.b64decode(store[key])
    from bookforge.print.raster import page_images

    (image,) = page_images(_drawn(page, modified).data, width=EBOOK_WIDTH, trim=False)
    if image.size != (EBOOK_WIDTH, EBOOK_HEIGHT):
        image = image.resize((EBOOK_WIDTH, EBOOK_HEIGHT))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True, progressive=False)
    data = out.getvalue()
    if store is not None:
        store[key] = base64.b64encode(data).decode()
    return data


def _drawn(rendition: Rendition, modified: datetime) -> PdfResult:
    """The cover drawn by the print writer: imported here, so that an ebook whose cover is kept never loads it."""
    from bookforge.print.writer import write_pdf

    result = write_pdf(rendition, modified, bound=False)
    errors = [w for w in result.warnings if w.severity == "error"]
    if errors:
        raise BookforgeError(errors)
    return result
