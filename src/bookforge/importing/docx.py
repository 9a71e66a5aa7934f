"""Word documents (DOCX, from Word, LibreOffice or Google Docs) -> SourceBook, through mammoth.

mammoth rather than python-docx: mammoth maps Word's *styles* to semantic HTML (Heading 1 -> h1, Quote ->
blockquote, list numbering -> ol/ul, footnotes and endnotes with their references, images with their alt text),
which is the structure a book needs, while python-docx exposes runs and paragraphs and leaves numbering, notes
and images to be rebuilt by hand. The archive is checked (bombs, paths, entities) before mammoth opens it.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import mammoth
from lxml import html

from bookforge.importing.archive import Archive, parse_xml
from bookforge.importing.markup import escaped_metadata
from bookforge.importing.model import SourceBook, SourceDocument, notice
from bookforge.importing.tree import classes, plain_text

CORE = {"dc": "http://purl.org/dc/elements/1.1/", "cp":
        "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
STYLE_MAP = """\
p[style-name='Title'] => p.docx-title:fresh
p[style-name='Subtitle'] => p.docx-subtitle:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
br[type='page'] => hr.page-break
""" + "".join(f"p[style-name='{toc} {level}'] => p.docx-toc:fresh\n"
              for toc in ("toc", "TOC") for level in range(1, 10))


def read_docx(path: Path, shown: str, chapter_style: str | None = None) -> SourceBook:
    archive = Archive(path, shown)
    try:
        archive.check_xml_members()
        metadata = _core_properties(archive, shown)
    finally:
        archive.close()
    images: dict[str, bytes] = {}
    counter = itertools.count(1)

    def keep_image(image) -> dict[str, str]:
        with image.open() as stream:
            data = stream.read()
        name = f"docx-image-{next(counter)}.{(image.content_type or 'image/png').split('/')[-1]}"
        images[name] = data
        return {"src": name}

    style_map = STYLE_MAP + (f"p[style-name='{chapter_style}'] => h1:fresh\n" if chapter_style else "")
    with path.open("rb") as stream:
        result = mammoth.convert_to_html(stream, style_map=style_map, ignore_empty_paragraphs=False,
                                         external_file_access=False,  # a linked image never reads this machine
                                         convert_image=mammoth.images.img_element(keep_image))
    notices = [notice(_said(message.message), shown, hint="name it with --chapter-style if it starts chapters")
               if "style" in message.message else notice(f"Word: {message.message}", shown)
               for message in result.messages if message.type == "warning"]
    body = html.document_fromstring(f"<html><body>{result.value}</body></html>").find("body")
    number = 0
    for element in body:  # Word's paragraphs, counted as Word counts them: each list item is one
        number += len(element.findall(".//li")) if element.tag in ("ul", "ol") else \
            element.tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "dl")
        element.set("data-paragraph", str(max(number, 1)))
    contents = [element for element in body if "docx-toc" in classes(element)]
    for element in contents:
        body.remove(element)
    if contents:
        notices.append(notice("Word's table of contents was left out: bookforge makes the book's own", shown))
    for element in list(body):
        kind = classes(element) & {"docx-title", "docx-subtitle"}
        if kind:
            key = "title" if "docx-title" in kind else "subtitle"
            metadata[key] = metadata.get(key) or plain_text(element)
            body.remove(element)
    return SourceBook((SourceDocument(shown, body, None, None, 1),), escaped_metadata(metadata),
                      lambda document, src: images.get(src), None, tuple(notices))


def _said(message: str) -> str:
    """mammoth's `Unrecognised paragraph style: Chapter Title (Style ID: ChapterTitle)`, in an author's words."""
    found = re.match(r"Unrecognised (\w+) style: (.*?) \(Style ID", message)
    return f"the {found[1]} style `{found[2]}` has no meaning bookforge knows: its text was imported as plain " \
           f"{found[1]}s" if found else f"Word: {message}"


def _core_properties(archive: Archive, shown: str) -> dict[str, object]:
    """Title, author, language, description and keywords from docProps/core.xml."""
    if "docProps/core.xml" not in archive:
        return {}
    core = parse_xml(archive.read("docProps/core.xml"), f"{shown}!docProps/core.xml")

    def text(path: str) -> str:
        return " ".join(core.findtext(path, "", CORE).split())

    authors = [name.strip() for name in text("dc:creator").split(";") if name.strip()]
    keywords = [word.strip() for word in text("cp:keywords").replace(";", ",").split(",") if word.strip()]
    return {"title": text("dc:title"), "creators": [{"name": name, "role": "author"} for name in authors],
            "language": text("dc:language"), "description": text("dc:description"),
            "subjects": keywords or ([text("dc:subject")] if text("dc:subject") else [])}
