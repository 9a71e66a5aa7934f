"""Rendition -> EPUB 3 bytes through ebooklib: our XHTML documents, a cover, nav + NCX, reproducible zip."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import MutableMapping
from datetime import datetime
from importlib import metadata

from ebooklib import epub
from lxml import etree

from bookforge.epub import accessibility as a11y
from bookforge.epub import cover as epubcover
from bookforge.epub import kobo as kepub
from bookforge.epub import pagelist
from bookforge.layout.direction import text_direction
from bookforge.render.fonts import subset_font
from bookforge.render.rendition import Rendition
from bookforge.stores import tool_fingerprint

ROLE_NAMES = {"author": "aut", "editor": "edt", "translator": "trl", "illustrator": "ill", "photographer": "pht",
              "foreword": "aui", "introduction": "aui", "narrator": "nrt", "contributor": "ctb"}
"""MARC relators (`aui`: author of an introduction, foreword...)."""
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}
LANDMARKS = {"table-of-contents": "toc", "title-page": "titlepage", "copyright-page": "copyright-page",
             "foreword": "foreword", "preface": "preface", "introduction": "introduction",
             "acknowledgements": "acknowledgments", "colophon": "colophon", "endnotes": "endnotes"}
"""Document kind -> landmark (structural semantics); the first document of each kind is the landmark."""
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# ZIP has no dates before 1980; SOURCE_DATE_EPOCH may be earlier.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Writer(epub.EpubWriter):
    page_list: list[tuple[str, str, str]] = []
    """(label, document, marker id) of the print page list."""

    def _write_opf_file(self, root):
        # EPUB Accessibility asks for the language on <package> too; ebooklib only puts it in dc:language.
        root.set("{http://www.w3.org/XML/1998/namespace}lang", self.book.language)
        super()._write_opf_file(root)

    def _get_nav(self, item):
        """ebooklib's nav, with the landmarks hidden (they are for reading systems) and our own page list."""
        nav = etree.fromstring(super()._get_nav(item))
        if self.book.direction:  # a right-to-left book's (ebooklib sets it on its documents, not on the nav)
            nav.set("dir", self.book.direction)
        body = nav.find(f"{{{XHTML}}}body")
        for landmarks in body.iterfind(f"{{{XHTML}}}nav[@{{{EPUB_NS}}}type='landmarks']"):
            landmarks.set("hidden", "hidden")
        if self.page_list:
            pages = etree.SubElement(body, f"{{{XHTML}}}nav", {f"{{{EPUB_NS}}}type": "page-list", "id": "page-list",
                                                               "hidden": "hidden"})
            etree.SubElement(pages, f"{{{XHTML}}}h2").text = self.options["pages_title"]
            items = etree.SubElement(pages, f"{{{XHTML}}}ol")
            for label, document, ident in self.page_list:
                link = etree.SubElement(etree.SubElement(items, f"{{{XHTML}}}li"), f"{{{XHTML}}}a",
                                        {"href": f"{document}#{ident}"})
                link.text = label
        return etree.tostring(nav.getroottree(), pretty_print=True, encoding="utf-8", xml_declaration=True)


def write_epub(rendition: Rendition, modified: datetime, cover: bytes, page_starts=None, kobo: bool = False,
               store: MutableMapping[str, str] | None = None) -> bytes:
    """The EPUB (a kepub with `kobo`) with `cover` (a JPEG) as its cover image, carrying a print edition's page
    list when `page_starts` are given; `store` keeps the book face's cut-down files between builds."""
    book, page_list = _package(rendition, modified, cover, page_starts, kobo, store)
    buffer = io.BytesIO()
    # Level 0: _normalise_zip compresses every file once more, at level 9, which alone decides the bytes.
    writer = _Writer(buffer, book, {"mtime": modified, "epub3_pages": False, "pages_title": rendition.labels["pages"],
                                    "landmark_title": rendition.labels["landmarks"], "raise_exceptions": True,
                                    "compresslevel": 0})
    writer.page_list = page_list
    writer.process()
    writer.write()
    return _normalise_zip(buffer.getvalue(), modified)


def _documents(rendition: Rendition, page_starts, kobo: bool):
    """The content documents as XHTML bytes by href, with page markers and Kobo spans put in; and the page list."""
    trees = {d.href: etree.fromstring(d.content.encode("utf-8")) for d in rendition.documents}
    page_list = pagelist.insert_markers(trees, page_starts) if page_starts else []
    if kobo:
        for root in trees.values():
            kepub.koboize(root)
    changed = {name for _, name, _ in page_list} | (set(trees) if kobo else set())
    contents = {d.href: etree.tostring(trees[d.href].getroottree(), encoding="utf-8", xml_declaration=True)
                if d.href in changed else d.content.encode("utf-8") for d in rendition.documents}
    return trees, contents, page_list


def _package(rendition: Rendition, modified: datetime, cover_image: bytes, page_starts, kobo: bool,
             store: MutableMapping[str, str] | None) -> tuple[epub.EpubBook, list]:
    meta = rendition.book.metadata
    book = epub.EpubBook()
    book.set_identifier(rendition.edition.identifier)
    book.set_title(rendition.title)
    book.set_language(rendition.language)
    direction = text_direction(rendition.language)
    if direction == "rtl":  # the spine's page-progression-direction: pages turn the other way
        book.set_direction(direction)
    main = _main_creators(rendition.creators)
    for n, (name, role, file_as) in enumerate(rendition.creators):
        if (name, role, file_as) in main:
            book.add_author(name, file_as=file_as, role=ROLE_NAMES[role], uid=f"creator{n}")
        else:  # who illustrated, translated, wrote the foreword: a contributor, not a creator of the work
            book.add_metadata("DC", "contributor", name, {"id": f"creator{n}"})
            book.add_metadata(None, "meta", ROLE_NAMES[role], {"refines": f"#creator{n}", "property": "role",
                                                               "scheme": "marc:relators"})
            if file_as:
                book.add_metadata(None, "meta", file_as, {"refines": f"#creator{n}", "property": "file-as"})
    if meta.series:
        book.add_metadata(None, "meta", meta.series.name, {"property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        if meta.series.number:
            book.add_metadata(None, "meta", meta.series.number, {"refines": "#series", "property": "group-position"})
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

    for path, css in rendition.stylesheets:
        book.add_item(epub.EpubItem(uid=_uid(path), file_name=path, media_type="text/css", content=css.encode()))
    for path, data in sorted(rendition.fonts.items()):
        if path not in rendition.fallback.fonts:  # the book face: cut down as the fallback fonts are
            data = _book_face(data, rendition.fallback.characters, store)
        suffix = path[path.rfind("."):].lower()
        book.add_item(epub.EpubItem(uid=_uid(path), file_name=path, media_type=FONT_TYPES.get(suffix, "font/otf"),
                                    content=data))
    for path, image in sorted(rendition.images.items()):
        book.add_item(epub.EpubItem(uid=_uid(path), file_name=path, media_type=image.media_type, content=image.data))
    trees, contents, page_list = _documents(rendition, page_starts, kobo)
    cover = epub.EpubCover(uid="cover-image", file_name=epubcover.IMAGE)
    cover.media_type, cover.content = "image/jpeg", cover_image
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    cover_page = epubcover.cover_page(rendition, [path for path, _ in rendition.stylesheets])
    trees[epubcover.PAGE_FILE] = etree.fromstring(cover_page.encode("utf-8"))
    documents = [epub.EpubItem(uid="cover", file_name=epubcover.PAGE_FILE, media_type="application/xhtml+xml",
                               content=cover_page.encode("utf-8"))]
    book.add_item(documents[0])
    for document in rendition.documents:
        item = epub.EpubItem(uid=document.id, file_name=document.href, media_type="application/xhtml+xml",
                             content=contents[document.href])
        book.add_item(item)
        documents.append(item)
    source = rendition.book.editions[rendition.edition.page_list_from].identifier if page_list else None
    for prop, value in a11y.claims(a11y.survey(trees), source, missing_glyphs=bool(rendition.fallback.missing)):
        attributes = {"property": prop}
        if prop == "schema:accessibilitySummary" and not rendition.language.lower().startswith("en"):
            attributes["{http://www.w3.org/XML/1998/namespace}lang"] = "en"  # bookforge writes it in English
        book.add_metadata(None, "meta", value, attributes)
    nav = epub.EpubNav(title=rendition.labels["contents"])
    for path, _ in rendition.stylesheets:
        nav.add_link(href=path, rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = _toc(rendition)
    first_body = next((d for d in rendition.documents if d.role == "body"), rendition.documents[0])
    book.guide = [{"type": "cover", "href": epubcover.PAGE_FILE, "title": rendition.labels["cover"]}]
    marked = {}
    for document in rendition.documents:
        if document.kind in LANDMARKS and document.kind not in marked:
            marked[document.kind] = document
    book.guide += [{"type": LANDMARKS[d.kind], "href": d.href, "title": _landmark_title(d, rendition)}
                   for d in marked.values()]
    book.guide.append({"type": "text", "href": first_body.href, "title": rendition.labels["start"]})
    book.spine = documents
    return book, page_list


def _book_face(data: bytes, characters: frozenset[int], store: MutableMapping[str, str] | None) -> bytes:
    """A book face's file cut down to the book's characters; kept in `store` by what it is cut from and with (each
    build of an unchanged book would cut the same faces again, and import HarfBuzz to do it)."""
    if store is None:
        return subset_font(data, characters)
    made_by = f"{tool_fingerprint()}:{metadata.version('uharfbuzz')}:{','.join(map(str, sorted(characters)))}"
    key = "face-" + hashlib.sha256(made_by.encode() + b"\0" + data).hexdigest()
    kept = store.get(key)
    if kept is not None:
        return base64.b64decode(kept)
    cut = subset_font(data, characters)
    store[key] = base64.b64encode(cut).decode()
    return cut


def _toc_item(document, children: list | None = None):
    """A document's line in the nav and the NCX, with what it lists under it: a part's chapters, or the entries of
    the types with `contents: true`."""
    children = (children or []) + [epub.Link(href, title, f"toc-{document.id}-{n}")
                                   for n, (href, title) in enumerate(document.contents, 1)]
    if not children and document.kind != "part":
        return epub.Link(document.href, document.title, f"toc-{document.id}")
    return (epub.Link(document.href, document.title, f"toc-{document.id}"), children)


def _landmark_title(document, rendition: Rendition) -> str:
    return {"table-of-contents": rendition.labels["contents"], "title-page": rendition.labels["title_page"],
            "copyright-page": rendition.labels["copyright"]}.get(document.kind, document.title)


def _toc(rendition: Rendition) -> list:
    """The navigation's contents: the documents listed, a part's chapters nested under it."""
    listed = [d for d in rendition.documents if d.in_toc]
    children: dict[str, list] = {}
    for document in listed:
        if document.division:
            children.setdefault(document.division, []).append(_toc_item(document))
    toc: list = []
    for document in listed:
        if document.kind == "part":
            toc.append(_toc_item(document, children.get(document.id, [])))
        elif not document.division or not any(d.id == document.division for d in listed):
            toc.append(_toc_item(document))
    return toc


def _main_creators(creators: tuple[tuple[str, str, str | None], ...]) -> list[tuple[str, str, str | None]]:
    """The book's creators proper: its authors, or (an anthology) whoever comes first, by their role."""
    authors = [c for c in creators if c[1] == "author"]
    return authors or [c for c in creators if c[1] == creators[0][1]]


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
