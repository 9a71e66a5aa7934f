"""Covers, the stage after the interior: the print cover wrap (back, spine, front with bleed, sized from the
interior's real page count) and the ebook's cover image, drawn from the same layout templates, geometry and
palette. The EPUB writer is handed the finished image."""

from __future__ import annotations

import base64
import dataclasses
import io
from collections.abc import Iterator, MutableMapping
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.layout.geometry import COVER_BLEED, bleed_points, parse_trim, to_points
from bookforge.manuscript.model import Book, CoverWrap, ImageFile
from bookforge.render import markup
from bookforge.render.rendition import Rendition, render_cover
from bookforge.stores import digest, tool_fingerprint

if TYPE_CHECKING:
    from bookforge.print.writer import PdfResult

# Paper thickness in inches a page, as printers publish it. KDP: white 0.002252, cream 0.0025. A printer's own
# figure goes in the layout's `paper_thickness` setting (e.g. "0.0025in"), which wins over this table.
PAPER_THICKNESS: dict[str, float] = {"white": 0.002252, "cream": 0.0025}
SPINE_TEXT_MIN_PAGES = 100  # KDP prints spine text only from 100 pages on
BARCODE_AREA = (2.0, 1.2)  # inches, kept clear (white) on the back for the printer's barcode
SAFE = 0.25  # inches: text stays this far inside each panel's edges (KDP asks at least 0.125 from the trim)
# The back's description, in em of the cover's 11 pt: the layout's size first, then smaller ones down to 8.25 pt
# (printers' smallest readable size for body text is 7-8 pt), until it clears the barcode area and the publisher.
BLURB_SIZES = (1.05, 1.0, 0.95, 0.9, 0.85, 0.8, 0.75)
COVER_TYPE = 11.0  # points: the cover's base font size (cover.html)
MEASURE_HEIGHT = 40.0  # inches: the tallest wrap the description is measured on (covers may be up to 48)
CLEARANCE = 0.2  # inches between the description's last line and the barcode area or the publisher's line

# Deep blue ground, warm paper-white type, a brass accent; on press, the same in CMYK.
SCREEN_COLOURS = {"ground": "#1c2d44", "type": "#f7f2e6", "accent": "#d3a55a", "white": "#ffffff"}
PRESS_COLOURS = {"ground": "device-cmyk(0.88 0.62 0.18 0.52)", "type": "device-cmyk(0 0.02 0.08 0)",
                 "accent": "device-cmyk(0.12 0.3 0.75 0.08)", "white": "device-cmyk(0 0 0 0)"}

# The ebook's cover image. Kindle asks 1,600 x 2,560 px (1:1.6); Apple Books at most 4 million pixels.
# 1,575 x 2,520 keeps KDP's shape and stays inside Apple's limit (3.97 MP).
EBOOK_WIDTH, EBOOK_HEIGHT = 1575, 2520
EBOOK_PAGE = ("6in", "9.6in")  # drawn at a print front's size, so cover-front.css's type sizes mean the same
FRONT_DPI = 250  # the least an author's front image may have on the printed front (printers ask 300)
WRAP_TOLERANCE = 0.02  # inches an author's finished wrap may be off the computed size


@dataclasses.dataclass(frozen=True)
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


def _wrap_context(layout: Layout, geometry: CoverGeometry, blurb_size: float = BLURB_SIZES[0],
                  front_image: str | None = None) -> dict[str, Any]:
    """What `cover.html` sees as `cover`: lengths as CSS and colours fit for the edition's PDF variant, the
    description's size, and the author's front image (its path) if any."""
    press = layout.settings["pdf_variant"].startswith("pdf/x")
    return {
        "blurb_size": f"{blurb_size}em", "front_image": front_image,
        "pages": geometry.pages, "spine_text": geometry.spine_text,
        "trim_width": f"{geometry.trim_width:.4f}in", "trim_height": f"{geometry.trim_height:.4f}in",
        "spine": f"{geometry.spine:.4f}in", "bleed": f"{geometry.bleed:.4f}in",
        "wrap_width": f"{2 * geometry.trim_width + geometry.spine:.4f}in",
        "safe": f"{SAFE}in", "barcode_width": f"{BARCODE_AREA[0]}in", "barcode_height": f"{BARCODE_AREA[1]}in",
        **(PRESS_COLOURS if press else SCREEN_COLOURS),
    }


def print_cover(book: Book, name: str, layout: Layout, pages: int, modified: datetime,
                store: MutableMapping[str, str] | None = None, dated: str = "") -> bytes:
    """The print cover wrap's PDF for an interior of `pages` pages; its problems fail the build.

    The author's finished wrap, when book.yaml gives one, checked against the size the page count gives. Else the
    generated wrap (with the author's front image on its front panel, when given): the back's description set at
    the largest of BLURB_SIZES that clears the barcode area and the publisher's line, as laid out; a description
    too long even at the smallest is an error that says how much fits.

    `store` keeps wraps drawn before, by a hash of what they are drawn from and `dated` (SOURCE_DATE_EPOCH, or ""
    when `modified` is the clock's: an unchanged wrap then keeps the date it was drawn with, as an unchanged edition
    keeps its output): an edit inside the book does not draw it again (~0.4 s).
    """
    geometry = cover_geometry(layout, pages)
    art = book.cover
    if art is not None and name in art.wraps:
        return _checked_wrap(art.wraps[name], geometry, name)
    images: dict[str, ImageFile] = {}
    if art is not None and name in art.fronts:
        image, where = art.fronts[name]
        _check_front(image, where, geometry, name)
        images[image.path] = image
    front = next(iter(images), None)
    # Laid out on a taller wrap, where nothing is cut off at the foot, to measure the description's whole height.
    tall = dataclasses.replace(geometry, trim_height=min(4 * geometry.trim_height, MEASURE_HEIGHT))

    def measured(size: float) -> Rendition:
        return render_cover(book, name, layout, _wrap_context(layout, tall, size, front), images)

    first = measured(BLURB_SIZES[0])
    key = "wrap-" + _drawing_key(first, dated)
    kept = store.get(key) if store is not None else None
    if kept is not None:
        return base64.b64decode(kept)
    for size in BLURB_SIZES:
        room = back_room(first if size == BLURB_SIZES[0] else measured(size), modified, geometry.trim_height)
        if room is None or room.fits:
            rendition = render_cover(book, name, layout, _wrap_context(layout, geometry, size, front), images)
            data = _drawn(rendition, modified).data
            if store is not None:
                store[key] = base64.b64encode(data).decode()
            return data
    assert room is not None and book.metadata.description is not None, "only a description overflows"
    length = len(" ".join(markup.plain(book.metadata.description, book.metadata.language).split()))
    holds = int(length * room.available / room.used) // 10 * 10
    raise BookforgeError([Diagnostic(
        "cover-overflow", f"the description ({length:,} characters) is too long for the back cover of edition "
        f"`{name}`: it holds about {holds:,} at the smallest type size ({BLURB_SIZES[-1] * COVER_TYPE:.3g} pt)",
        book.metadata.location_of("description"), f"shorten the description to about {holds:,} characters")])


@dataclasses.dataclass(frozen=True)
class BackRoom:
    """The back cover's description as laid out, in CSS pixels: the height it takes and the height it has."""

    used: float
    available: float

    @property
    def fits(self) -> bool:
        return self.used <= self.available


def back_room(rendition: Rendition, modified: datetime, trim_height: float) -> BackRoom | None:
    """How the back's description (`.blurb`, and the `.ornament` under it) fits above the barcode area and the
    publisher's line on a panel `trim_height` inches high, from a layout on a taller one (the barcode area and the
    publisher stand as far from the foot on both); None when the cover has no description."""
    from bookforge.print.writer import Typesetter

    where = Location(f"{rendition.layout.chain[0].folder} (edition `{rendition.edition_name}`, cover)")
    rendered, _, _ = Typesetter(rendition, modified, bound=False, where=where).lay_out(rendition.documents[0].content)
    found: dict[str, Any] = {}
    for box in _boxes(rendered.pages[0]._page_box):
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else ()
        for name in ("back", "blurb", "ornament", "barcode", "publisher"):
            if name in classes and box.element_tag in ("div", "p", "section") and name not in found:
                found[name] = box
    blurb, back = found.get("blurb"), found.get("back")
    if blurb is None or back is None:
        return None
    top = blurb.position_y + blurb.margin_top
    bottom = max(box.position_y + box.margin_top + box.border_height() for key, box in found.items()
                 if key in ("blurb", "ornament"))  # the ornament under the description comes with it
    foot = back.position_y + back.margin_top + back.border_height()
    above_foot = [foot - (box.position_y + box.margin_top) for key, box in found.items()
                  if key in ("barcode", "publisher")]
    limit = back.position_y + back.margin_top + trim_height * 96 - max(above_foot, default=0) - CLEARANCE * 96
    return BackRoom(used=bottom - top, available=limit - top)


def ebook_cover(book: Book, name: str, layout: Layout, modified: datetime,
                store: MutableMapping[str, str] | None = None, pool: Executor | None = None) -> EbookCover:
    """The ebook's cover as a baseline JPEG: the author's own (book.yaml's `cover`), or EBOOK_WIDTH x EBOOK_HEIGHT
    pixels drawn from the edition's layout.

    `store` keeps images drawn before, by a hash of the cover's HTML, stylesheets and fonts: drawing one takes
    WeasyPrint (~1 s, its import half of it), which an EPUB build with a kept cover never imports. A cover to draw
    is drawn in `pool` when one is given, beside the caller's own work, else now.
    """
    if book.cover is not None:
        return EbookCover(_done(author_ebook_cover(book.cover.image)))
    page = render_cover(book, name, layout, {"width": EBOOK_PAGE[0], "height": EBOOK_PAGE[1], **SCREEN_COLOURS})
    key = "cover-" + _drawing_key(page)
    kept = store.get(key) if store is not None else None
    if kept is not None:
        return EbookCover(_done(base64.b64decode(kept)))
    drawing = pool.submit(drawn_ebook_cover, page, modified) if pool is not None else _done(
        drawn_ebook_cover(page, modified))
    return EbookCover(drawing, store, key)


def _drawing_key(page: Rendition, *more: str) -> str:
    """A hash of all a drawn cover is made from: bookforge, the cover's HTML, stylesheets, fonts and images."""
    return digest(iter([tool_fingerprint().encode(), *(text.encode() for text in more),
                        page.documents[0].content.encode(),
                        *(f"{path}\0{css}".encode() for path, css in page.stylesheets),
                        *(path.encode() + b"\0" + data for path, data in sorted(page.fonts.items())),
                        *(path.encode() + b"\0" + image.data for path, image in sorted(page.images.items()))]))


@dataclasses.dataclass(frozen=True)
class EbookCover:
    """The ebook's cover image, known or being drawn; `image()` waits for it and keeps a drawn one in `store`."""

    drawing: Future
    store: MutableMapping[str, str] | None = None
    key: str = ""

    def image(self) -> bytes:
        data = self.drawing.result()
        if self.store is not None:
            self.store[self.key] = base64.b64encode(data).decode()
        return data


def _done(data: bytes) -> Future:
    future: Future = Future()
    future.set_result(data)
    return future


def drawn_ebook_cover(page: Rendition, modified: datetime) -> bytes:
    """The cover page drawn by WeasyPrint and turned into the ebook's image (in a worker process, or this one)."""
    from bookforge.print.raster import page_images

    (image,) = page_images(_drawn(page, modified).data, width=EBOOK_WIDTH, trim=False)
    if image.size != (EBOOK_WIDTH, EBOOK_HEIGHT):
        image = image.resize((EBOOK_WIDTH, EBOOK_HEIGHT))
    return _jpeg(image)


def _jpeg(image) -> bytes:
    """A baseline JPEG, which every reading system shows."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True, progressive=False)
    return out.getvalue()


def author_ebook_cover(image: ImageFile) -> bytes:
    """The author's front as the ebook's cover: within EBOOK_WIDTH x EBOOK_HEIGHT (the stores' limits; never made
    larger), its shape kept, transparency on white, as a baseline JPEG."""
    from PIL import Image

    with Image.open(io.BytesIO(image.data)) as opened:
        picture = opened.convert("RGBA")
    flat = Image.new("RGB", picture.size, SCREEN_COLOURS["white"])
    flat.paste(picture, mask=picture.getchannel("A"))
    flat.thumbnail((EBOOK_WIDTH, EBOOK_HEIGHT), Image.Resampling.LANCZOS)
    return _jpeg(flat)


def _checked_wrap(wrap: CoverWrap, geometry: CoverGeometry, name: str) -> bytes:
    """The author's finished wrap, if its size is the one this edition's page count gives (WRAP_TOLERANCE)."""
    if abs(wrap.width - geometry.width) <= WRAP_TOLERANCE and abs(wrap.height - geometry.height) <= WRAP_TOLERANCE:
        return wrap.data
    raise BookforgeError([Diagnostic(
        "cover-wrap", f"`{wrap.src}` is {wrap.width:.3f} x {wrap.height:.3f} in; edition `{name}` needs "
        f"{geometry.width:.3f} x {geometry.height:.3f} in for its {geometry.pages} pages: {geometry.bleed:g} in of "
        f"bleed all round, two {geometry.trim_width:g} x {geometry.trim_height:g} in covers and a "
        f"{geometry.spine:.3f} in spine", wrap.location,
        f"make the wrap {geometry.width:.3f} in wide (the spine grows {geometry.thickness:g} in a page)")])


def _check_front(image: ImageFile, where: Location | None, geometry: CoverGeometry, name: str) -> None:
    """The author's front covers the front panel and its bleed at FRONT_DPI at least."""
    width, height = geometry.trim_width + geometry.bleed, geometry.trim_height + 2 * geometry.bleed
    needed = (round(width * FRONT_DPI), round(height * FRONT_DPI))
    if image.width >= needed[0] and image.height >= needed[1]:
        return
    raise BookforgeError([Diagnostic(
        "cover-image", f"`{image.path}` is {image.width:,} x {image.height:,} px; the front of edition `{name}` "
        f"({width:g} x {height:g} in with the bleed) needs at least {needed[0]:,} x {needed[1]:,} px ({FRONT_DPI} dpi)",
        where, "export the front larger: printers ask 300 dpi")])


def _boxes(box) -> Iterator:
    """Every box under `box`, those of absolutely positioned elements too (the panels of the wrap)."""
    yield box
    placed = getattr(box, "_box", None)  # WeasyPrint's stand-in for an absolutely positioned box
    for child in (placed,) if placed is not None else getattr(box, "children", ()):
        yield from _boxes(child)


def _drawn(rendition: Rendition, modified: datetime) -> PdfResult:
    """The cover drawn by the print writer: imported here, so that an ebook whose cover is kept never loads it."""
    from bookforge.print.writer import write_pdf

    result = write_pdf(rendition, modified, bound=False)
    errors = [w for w in result.warnings if w.severity == "error"]
    if errors:
        raise BookforgeError(errors)
    return result
