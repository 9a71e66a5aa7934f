"""The ebook's cover: the layout's `cover.html` (the front that the print cover shares) as a JPEG, and its page."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import MutableMapping
from datetime import datetime
from html import escape

from .cover import SCREEN_COLOURS
from .errors import BookforgeError
from .render import Rendition, render_cover

# Kindle asks 1,600 x 2,560 px (1:1.6); Apple Books at most 4 million pixels. 1,575 x 2,520 keeps KDP's shape
# and stays inside Apple's limit (3.97 MP).
WIDTH, HEIGHT = 1575, 2520
PAGE = ("6in", "9.6in")  # drawn at a print front's size, so cover-front.css's type sizes mean the same
IMAGE = "images/cover.jpg"
PAGE_FILE = "cover.xhtml"


def cover_image(rendition: Rendition, modified: datetime, covers: MutableMapping[str, str] | None = None) -> bytes:
    """The cover as a baseline JPEG of WIDTH x HEIGHT pixels, from the edition's layout.

    `covers` holds images drawn before, by a hash of the cover's HTML, stylesheets and fonts.
    """
    cover = {"width": PAGE[0], "height": PAGE[1], **SCREEN_COLOURS}
    page = render_cover(rendition.book, rendition.edition_name, rendition.layout, cover)
    digest = hashlib.sha256(page.documents[0].content.encode())
    for path, css in page.stylesheets:
        digest.update(path.encode() + css.encode())
    for path, data in sorted(page.fonts.items()):
        digest.update(path.encode() + data)
    key = "cover-" + digest.hexdigest()
    if covers is not None and key in covers:
        return base64.b64decode(covers[key])
    data = _draw(page, modified)
    if covers is not None:
        covers[key] = base64.b64encode(data).decode()
    return data


def _draw(page: Rendition, modified: datetime) -> bytes:
    import pypdfium2

    from .pdf import write_pdf

    result = write_pdf(page, modified, bound=False)
    errors = [w for w in result.warnings if w.severity == "error"]
    if errors:
        raise BookforgeError(errors)
    document = pypdfium2.PdfDocument(result.data)
    try:
        pdf_page = document[0]
        image = pdf_page.render(scale=WIDTH / pdf_page.get_width()).to_pil().convert("RGB")
    finally:
        document.close()
    if image.size != (WIDTH, HEIGHT):
        image = image.resize((WIDTH, HEIGHT))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True, progressive=False)
    return out.getvalue()


def cover_page(rendition: Rendition, stylesheets: list[str]) -> str:
    """The cover's XHTML page: the image alone, with the book's title and creators as its text alternative."""
    lang = escape(rendition.language)
    creators = ", ".join(name for name, _, _ in rendition.creators)
    alt = f"{rendition.title}" + (f": {rendition.subtitle}" if rendition.subtitle else "") + f" — {creators}"
    links = "".join(f'<link rel="stylesheet" type="text/css" href="{escape(href)}"/>\n' for href in stylesheets)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" '
            f'xml:lang="{lang}">\n<head>\n<meta charset="utf-8"/>\n<title>{escape(rendition.labels["cover"])}</title>\n'
            f'{links}</head>\n<body class="cover-page" epub:type="frontmatter">\n'
            f'<section epub:type="cover" class="cover" aria-label="{escape(rendition.labels["cover"])}">\n'
            f'<img src="{IMAGE}" alt="{escape(alt)}" role="doc-cover"/>\n</section>\n</body>\n</html>\n')
