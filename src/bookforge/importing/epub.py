"""EPUB 2 and 3 -> SourceBook: the spine's documents in order, titles from the nav (or the NCX), each document's kind
from its `epub:type`, the OPF's metadata (creators with roles and file-as, series), the cover, the images."""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

from bookforge.errors import Diagnostic
from bookforge.importing.archive import Archive, Folder, parse_markup, parse_xml, refused
from bookforge.importing.markup import escaped_metadata
from bookforge.importing.model import SourceBook, SourceDocument, notice
from bookforge.importing.tree import epub_types, kind_of, plain_text, strip_namespaces, tag

NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf",
      "dc": "http://purl.org/dc/elements/1.1/", "ncx": "http://www.daisy.org/z3986/2005/ncx/",
      "x": "http://www.w3.org/1999/xhtml"}
OPF_ROLE = "{http://www.idpf.org/2007/opf}role"
OPF_FILE_AS = "{http://www.idpf.org/2007/opf}file-as"
MARC_ROLES = {"aut": "author", "edt": "editor", "trl": "translator", "ill": "illustrator", "pht": "photographer",
              "aui": "introduction", "win": "introduction", "wpr": "foreword", "aft": "contributor",
              "nrt": "narrator", "ctb": "contributor"}
"""MARC relator codes -> bookforge's roles (`aft`, author of an afterword, has no role of its own)."""


def read_epub(path: Path, shown: str) -> SourceBook:
    """An EPUB file, or a folder holding one unpacked (META-INF/container.xml and the rest)."""
    archive = Folder(path, shown) if path.is_dir() else Archive(path, shown)
    try:
        return _read(archive, shown)
    except BaseException:
        archive.close()
        raise


def _read(archive: Archive | Folder, shown: str) -> SourceBook:
    archive.check_xml_members()
    container = parse_xml(archive.read("META-INF/container.xml"), f"{shown}!META-INF/container.xml")
    rootfile = container.find(".//c:rootfile", NS)
    if rootfile is None or not rootfile.get("full-path"):
        raise refused(f"{shown}!META-INF/container.xml",
                      Diagnostic("import-source", "it names no package document (OPF)"))
    opf_path = posixpath.normpath(unquote(rootfile.get("full-path")))
    opf = parse_xml(archive.read(opf_path), f"{shown}!{opf_path}")
    base = posixpath.dirname(opf_path)
    manifest = {item.get("id"): item for item in opf.iterfind(".//opf:manifest/opf:item", NS)}

    def member(href: str, relative_to: str = base) -> str:
        return posixpath.normpath(posixpath.join(relative_to, unquote(href.split("#")[0])))

    notices = []
    titles = _nav_titles(archive, opf, manifest, member, shown)
    nav_items = {member(item.get("href")) for item in manifest.values() if "nav" in (item.get("properties") or "")}
    documents = []
    for itemref in opf.iterfind(".//opf:spine/opf:itemref", NS):
        item = manifest.get(itemref.get("idref"))
        if item is None:
            continue
        name = member(item.get("href"))
        if name in nav_items or name not in archive:
            continue
        root = strip_namespaces(parse_markup(archive.read(name), f"{shown}!{name}"))
        body = root.find("body") if tag(root) != "body" else root
        if body is None:
            continue
        types = epub_types(body)
        wrappers = [child for child in body if isinstance(child.tag, str) and tag(child) in ("section", "article",
                                                                                           "div")]
        if len(wrappers) == 1:  # a document holding one section: its type is the document's
            types |= epub_types(wrappers[0])
        kind = kind_of(types)
        if itemref.get("linear") == "no" and kind not in ("notes", "skip"):
            notices.append(notice("this document is outside the reading order (`linear=\"no\"`): it was imported "
                                  "where the spine lists it", f"{shown}!{name}"))
        documents.append(SourceDocument(f"{shown}!{name}", body, None if kind == "chapter" else kind,
                                        titles.get(name)))

    def read_image(document: str, src: str) -> bytes | None:
        inner = document.split("!", 1)[1]
        name = member(src, posixpath.dirname(inner))
        return archive.read(name) if name in archive else None

    return SourceBook(tuple(documents), escaped_metadata(_metadata(opf, notices, f"{shown}!{opf_path}")), read_image,
                      _cover(archive, opf, manifest, member), tuple(notices), archive.close)


def _nav_titles(archive: Archive | Folder, opf, manifest, member, shown: str) -> dict[str, str]:
    """Document -> its title in the nav (EPUB 3) or the NCX (EPUB 2): the first entry that points into it."""
    titles: dict[str, str] = {}
    nav = next((item for item in manifest.values() if "nav" in (item.get("properties") or "").split()), None)
    if nav is not None and member(nav.get("href")) in archive:
        name = member(nav.get("href"))
        root = strip_namespaces(parse_markup(archive.read(name), f"{shown}!{name}"))
        toc = next((n for n in root.iter("nav") if "toc" in epub_types(n)), None)
        for link in (toc.iter("a") if toc is not None else ()):
            titles.setdefault(member(link.get("href") or "", posixpath.dirname(name)), plain_text(link))
        return titles
    spine = opf.find(".//opf:spine", NS)
    ncx = manifest.get(spine.get("toc")) if spine is not None else None
    if ncx is not None and member(ncx.get("href")) in archive:
        name = member(ncx.get("href"))
        root = parse_xml(archive.read(name), f"{shown}!{name}")
        for point in root.iterfind(".//ncx:navPoint", NS):
            content = point.find("ncx:content", NS)
            label = point.findtext("ncx:navLabel/ncx:text", "", NS)
            if content is not None and label.strip():
                titles.setdefault(member(content.get("src") or "", posixpath.dirname(name)), " ".join(label.split()))
    return titles


def _metadata(opf, notices: list, shown: str) -> dict[str, object]:
    metadata = opf.find("opf:metadata", NS)
    if metadata is None:
        return {}
    refines: dict[tuple[str, str], str] = {}
    for meta in metadata.iterfind("opf:meta", NS):
        if meta.get("refines") and meta.get("property"):
            key = (meta.get("refines").lstrip("#"), meta.get("property"))
            refines.setdefault(key, " ".join((meta.text or "").split()))
    creators = []
    for element in [*metadata.iterfind("dc:creator", NS), *metadata.iterfind("dc:contributor", NS)]:
        name = " ".join((element.text or "").split())
        ident = element.get("id") or ""
        code = (element.get(OPF_ROLE) or refines.get((ident, "role")) or
                ("aut" if element.tag.endswith("creator") else "ctb")).strip().lower()
        role = MARC_ROLES.get(code)
        if not name:
            continue
        if role is None:
            notices.append(notice(f"the contributor {name} (role `{code}`) was left out: bookforge credits authors, "
                                  "editors, translators, illustrators, photographers, narrators and writers of a "
                                  "foreword or introduction", shown, element.sourceline or 0))
            continue
        creator = {"name": name, "role": role}
        file_as = element.get(OPF_FILE_AS) or refines.get((ident, "file-as"))
        if file_as:
            creator["file_as"] = file_as
        creators.append(creator)
    unique = opf.get("unique-identifier")
    identifiers = [" ".join((e.text or "").split()) for e in metadata.iterfind("dc:identifier", NS)]
    identifier = next((" ".join((e.text or "").split()) for e in metadata.iterfind("dc:identifier", NS)
                       if e.get("id") == unique), identifiers[0] if identifiers else "")
    result: dict[str, object] = {
        "title": " ".join(metadata.findtext("dc:title", "", NS).split()),
        "creators": creators,
        "language": metadata.findtext("dc:language", "", NS).strip(),
        "identifier": identifier,
        "identifiers": identifiers,
        "publisher": " ".join(metadata.findtext("dc:publisher", "", NS).split()),
        "date": metadata.findtext("dc:date", "", NS).strip(),
        "rights": " ".join(metadata.findtext("dc:rights", "", NS).split()),
        "description": " ".join(metadata.findtext("dc:description", "", NS).split()),
        "subjects": [" ".join((s.text or "").split()) for s in metadata.iterfind("dc:subject", NS) if s.text],
    }
    collection = next((m for m in metadata.iterfind("opf:meta", NS) if m.get("property") == "belongs-to-collection"
                       and refines.get(((m.get("id") or ""), "collection-type"), "series") == "series"), None)
    if collection is not None:
        result["series"] = {"name": " ".join((collection.text or "").split()),
                            "number": refines.get(((collection.get("id") or ""), "group-position"))}
    else:
        calibre = {m.get("name"): m.get("content") for m in metadata.iterfind("opf:meta", NS) if m.get("name")}
        if calibre.get("calibre:series"):
            result["series"] = {"name": calibre["calibre:series"], "number": calibre.get("calibre:series_index")}
    return result


def _cover(archive: Archive | Folder, opf, manifest, member) -> tuple[str, bytes] | None:
    item = next((i for i in manifest.values() if "cover-image" in (i.get("properties") or "").split()), None)
    if item is None:
        meta = next((m for m in opf.iterfind(".//opf:metadata/opf:meta", NS) if m.get("name") == "cover"), None)
        item = manifest.get(meta.get("content")) if meta is not None else None
    if item is None or not (item.get("media-type") or "").startswith("image/"):
        return None
    name = member(item.get("href"))
    return (name, archive.read(name)) if name in archive else None

