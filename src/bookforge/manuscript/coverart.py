"""The author's own cover (`cover:` in book.yaml): the front image and, per print edition, a finished wrap PDF or a
front for the generated wrap; read once at load through the file rule and checked like every image."""

from __future__ import annotations

import io
from pathlib import Path

from bookforge.errors import Diagnostic, Location, did_you_mean
from bookforge.files import Refused, read_inside, refusal
from bookforge.manuscript.images import ASSETS_DIR, load_image
from bookforge.manuscript.model import BookFile, CoverArt, CoverWrap, ImageFile
from bookforge.manuscript.yamlfile import YamlDocument

EBOOK_MIN_WIDTH = 1400
"""Pixels across the ebook's cover must have at least (Apple Books' minimum; Kindle asks 1,600 x 2,560)."""
COVER_KINDS = ("image/png", "image/jpeg")
MAX_WRAP_BYTES = 200 * 1024 * 1024
"""A finished cover wrap: printers take PDFs with 300 dpi images of up to a few hundred MB."""


def load_cover(root: Path, book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> CoverArt | None:
    """The author's cover art, or None when book.yaml asks for none (or it has problems, added to `problems`)."""
    cover = book_file.cover
    if cover is None:
        return None
    found = len(problems)
    image = _cover_image(root, cover.image, doc.where(("cover", "image")), EBOOK_MIN_WIDTH, problems)
    fronts, wraps = {}, {}
    for name, chosen in cover.print.items():
        where = doc.where(("cover", "print", name), key=True)
        edition = book_file.editions.get(name)
        if edition is None or edition.format != "pdf":
            pdf = [n for n, e in book_file.editions.items() if e.format == "pdf"]
            problems.append(Diagnostic("bad-value", f"`{name}` is not a print edition of the book", where,
                                       did_you_mean(name, pdf) or "the book has no print edition"))
            continue
        if (chosen.wrap is None) == (chosen.front is None):
            problems.append(Diagnostic("invalid", f"the cover of `{name}` needs either `wrap` or `front`", where,
                                       "`wrap: FILE.pdf` for a finished wrap, `front: IMAGE` for the front panel"))
            continue
        if chosen.front is not None:
            at = doc.where(("cover", "print", name, "front"))
            front = _cover_image(root, chosen.front, at, 1, problems)
            if front is not None:
                fronts[name] = (front, at)
        else:
            wrap = _wrap(root, chosen.wrap, doc.where(("cover", "print", name, "wrap")), problems)
            if wrap is not None:
                wraps[name] = wrap
    if len(problems) > found or image is None:
        return None
    return CoverArt(image=image, fronts=fronts, wraps=wraps)


def _cover_image(root: Path, src: str, where: Location, min_width: int,
                 problems: list[Diagnostic]) -> ImageFile | None:
    image, problem = load_image(root, src, where, reserved=frozenset())  # not put in the book under its name
    if problem is None and image.media_type not in COVER_KINDS:
        problem = Diagnostic("cover-image", f"`{src}` is {image.media_type.split('/')[1].upper()}; cover art is a "
                             "PNG or JPEG image", where, "export the cover as a JPEG (or a PNG)")
    elif problem is None and image.width < min_width:
        height = round(image.height * min_width / image.width)
        problem = Diagnostic("cover-image", f"`{src}` is {image.width:,} x {image.height:,} px; an ebook's cover "
                             f"needs at least {min_width:,} px across ({min_width:,} x {height:,} px at this shape)",
                             where, "export the cover larger: stores ask 1,600 x 2,560 px")
    if problem is not None:
        problems.append(problem)
        return None
    return image


def _wrap(root: Path, src: str, where: Location, problems: list[Diagnostic]) -> CoverWrap | None:
    """A one-page PDF in assets/, with its size (its BleedBox: the trim and the bleed, without a slug for marks)."""
    import pikepdf

    try:
        data = read_inside(root / ASSETS_DIR, src, MAX_WRAP_BYTES)
    except Refused as exc:
        problems.append(refusal(exc, f"{ASSETS_DIR}/{src}", where, MAX_WRAP_BYTES,
                                f"keep the cover wrap in {ASSETS_DIR}/ and name it relative to it"))
        return None
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) != 1:
                problems.append(Diagnostic("cover-wrap", f"`{src}` has {len(pdf.pages)} pages; a cover wrap is one "
                                           "page (back, spine and front side by side)", where))
                return None
            left, bottom, right, top = (float(v) for v in pdf.pages[0].bleedbox)
            active = _active_content(pdf)
    except pikepdf.PdfError as exc:
        problems.append(Diagnostic("cover-wrap", f"`{src}` is not a PDF that can be read: {exc}", where,
                                   "export the cover wrap from your design program as PDF"))
        return None
    if active is not None:
        problems.append(Diagnostic("cover-wrap", f"`{src}` carries {active}; a print cover is artwork only", where,
                                   "export the wrap again as PDF/X (which allows no scripts, actions, forms or "
                                   "attachments)"))
        return None
    return CoverWrap(src=src, data=data, width=abs(right - left) / 72, height=abs(top - bottom) / 72, location=where)


ACTIVE_KEYS = {"/OpenAction": "an action run on opening", "/AA": "actions run on events", "/A": "an action (a link "
               "or a button)", "/JS": "JavaScript", "/JavaScript": "JavaScript", "/EmbeddedFiles": "attached files",
               "/EF": "an attached file", "/AcroForm": "a form", "/XFA": "a form", "/RichMedia": "rich media"}
"""The keys through which a PDF does something rather than shows something. The wrap goes to the printer (and to
whoever opens the cover) byte for byte, so a project from a stranger must not be able to carry them."""


def _active_content(pdf) -> str | None:
    """What active content the PDF holds anywhere (every object, direct or indirect, streams' dictionaries too), in
    words; None when there is none. Each object is visited once, so a loop or a shared object costs nothing more."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    pending: list = [pdf.trailer, *pdf.objects]
    while pending:
        item = pending.pop()
        if isinstance(item, pikepdf.Object) and item.is_indirect:
            if item.objgen in seen:
                continue
            seen.add(item.objgen)
        if isinstance(item, pikepdf.Stream):
            item = item.stream_dict
        if isinstance(item, pikepdf.Dictionary):
            found = next((key for key in item if key in ACTIVE_KEYS), None)
            if found is not None:
                return ACTIVE_KEYS[found]
            pending.extend(item.values())
        elif isinstance(item, pikepdf.Array):
            pending.extend(item)
    return None
