"""The ebook's cover page: the cover image (drawn by bookforge.covers) alone, with its text alternative."""

from __future__ import annotations

from html import escape

from bookforge.layout.direction import text_direction
from bookforge.render.rendition import Rendition

IMAGE = "images/cover.jpg"
PAGE_FILE = "cover.xhtml"


def cover_page(rendition: Rendition, stylesheets: list[str]) -> str:
    """The cover's XHTML page: the image alone, with the book's title and creators as its text alternative."""
    lang = escape(rendition.language)
    creators = ", ".join(name for name, _, _ in rendition.creators)
    alt = f"{rendition.title}" + (f": {rendition.subtitle}" if rendition.subtitle else "") + f" — {creators}"
    links = "".join(f'<link rel="stylesheet" type="text/css" href="{escape(href)}"/>\n' for href in stylesheets)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{lang}" '
            f'xml:lang="{lang}" dir="{text_direction(rendition.language)}">\n<head>\n<meta charset="utf-8"/>\n'
            f'<title>{escape(rendition.labels["cover"])}</title>\n'
            f'{links}</head>\n<body class="cover-page" epub:type="frontmatter">\n'
            f'<section epub:type="cover" class="cover" aria-label="{escape(rendition.labels["cover"])}">\n'
            f'<img src="{IMAGE}" alt="{escape(alt)}" role="doc-cover"/>\n</section>\n</body>\n</html>\n')
