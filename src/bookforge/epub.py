"""Rendition -> EPUB 3 bytes through ebooklib: our XHTML documents as they are, nav + NCX, reproducible zip."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from ebooklib import epub

from .render import Rendition

ROLE_NAMES = {"author": "aut", "editor": "edt", "translator": "trl", "illustrator": "ill", "contributor": "ctb"}
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}
LANDMARKS = {"table-of-contents": "toc", "title-page": "titlepage", "copyright-page": "copyright-page"}
# ZIP has no dates before 1980; SOURCE_DATE_EPOCH may be earlier.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Writer(epub.EpubWriter):
    def _write_opf_file(self, root):
        # EPUB Accessibility asks for the language on <package> too; ebooklib only puts it in dc:language.
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
        super()._write_opf_file(root)


def write_epub(rendition: Rendition, modified: datetime) -> bytes:
    book = _package(rendition)
    buffer = io.BytesIO()
    writer = _Writer(buffer, book, {"mtime": modified, "epub3_pages": False,
                                    "landmark_title": rendition.labels["landmarks"], "raise_exceptions": True})
    writer.process()
    writer.write()
    return _normalise_zip(buffer.getvalue(), modified)


def _package(rendition: Rendition) -> epub.EpubBook:
    meta = rendition.book.metadata
    book = epub.EpubBook()
    book.set_identifier(rendition.edition.identifier)
    book.set_title(rendition.title)
    book.set_language(rendition.language)
    for n, (name, role, file_as) in enumerate(rendition.creators):
        book.add_author(name, file_as=file_as, role=ROLE_NAMES[role], uid=f"creator{n}")
    if rendition.subtitle:
        book.add_metadata("DC", "title", rendition.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})
    for field, value in (("publisher", meta.publisher), ("date", meta.date), ("rights", meta.rights),
                         ("description", rendition.description)):
        if value:
            book.add_metadata("DC", field, value)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    book.add_metadata("DC", "source", meta.identifier)
    _accessibility(book)

    for path, css in rendition.stylesheets:
        book.add_item(epub.EpubItem(uid=_uid(path), file_name=path, media_type="text/css", content=css.encode()))
    for path, data in sorted(rendition.fonts.items()):
        suffix = path[path.rfind("."):].lower()
        book.add_item(epub.EpubItem(uid=_uid(path), file_name=path, media_type=FONT_TYPES.get(suffix, "font/otf"),
                                    content=data))
    documents = []
    for document in rendition.documents:
        item = epub.EpubItem(uid=document.id, file_name=document.href, media_type="application/xhtml+xml",
                             content=document.content.encode("utf-8"))
        book.add_item(item)
        documents.append(item)
    nav = epub.EpubNav(title=rendition.labels["contents"])
    for path, _ in rendition.stylesheets:
        nav.add_link(href=path, rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = [epub.Link(d.href, d.title, f"toc-{d.id}") for d in rendition.documents if d.in_toc]
    first_body = next((d for d in rendition.documents if d.role == "body"), rendition.documents[0])
    book.guide = [{"type": LANDMARKS[d.kind], "href": d.href, "title": _landmark_title(d, rendition)}
                  for d in rendition.documents if d.kind in LANDMARKS]
    book.guide.append({"type": "text", "href": first_body.href, "title": rendition.labels["start"]})
    book.spine = documents
    return book


def _landmark_title(document, rendition: Rendition) -> str:
    return {"table-of-contents": rendition.labels["contents"], "title-page": rendition.labels["title_page"],
            "copyright-page": rendition.labels["copyright"]}[document.kind]


def _accessibility(book: epub.EpubBook) -> None:
    """Claims that hold for every text-only book bookforge makes (structure, order, no hazards)."""
    claims = [
        ("schema:accessMode", "textual"),
        ("schema:accessModeSufficient", "textual"),
        ("schema:accessibilityFeature", "structuralNavigation"),
        ("schema:accessibilityFeature", "tableOfContents"),
        ("schema:accessibilityFeature", "readingOrder"),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary",
         "Text only, with headings for every chapter and entry, a linked table of contents, and a logical "
         "reading order."),
    ]
    for prop, value in claims:
        book.add_metadata(None, "meta", value, {"property": prop})


def _uid(path: str) -> str:
    return "r-" + "".join(c if c.isalnum() else "-" for c in path)


def _normalise_zip(data: bytes, modified: datetime) -> bytes:
    """Rewrite the archive with one timestamp and fixed permissions: same inputs, same bytes."""
    stamp = max(ZIP_EPOCH, modified.timetuple()[:6])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            # mimetype must be first and stored uncompressed (OCF); ebooklib writes it first.
            fixed.compress_type = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            target.writestr(fixed, source.read(info.filename), compresslevel=9)
    return out.getvalue()
