"""Reading a book's text back out of an EPUB, the same way for the source and for what bookforge built from it: the
words in order (after whitespace and typography normalisation), the notes' words, and counts of headings,
emphasis and images."""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from bookforge.importing.archive import parse_markup
from bookforge.importing.tree import epub_types, kind_of, strip_namespaces, tag

NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "opf": "http://www.idpf.org/2007/opf"}
GENERATED = {"cover", "title-page", "copyright-page", "table-of-contents", "half-title", "nav"}
"""The spine items bookforge makes itself."""
NOTE_TYPES = {"footnote", "endnote", "rearnote", "note"}
BLOCKS = {"p", "div", "section", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dt", "dd",
          "figcaption", "header", "hgroup", "aside", "br", "hr", "tr"}
TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
                            "–": " ", "—": " ", "―": " ",
                            "…": "...", "\u2060": None, "\u00ad": None, "\u200b": None, "\ufeff": None, "-": " "})


@dataclass
class Profile:
    words: list[str]
    notes: list[list[str]]
    headings: int
    emphasis: int
    images: int


def normalised_words(text: str) -> list[str]:
    # French spacing (typography.py) puts no-break spaces inside « » and before ; : ! ? of French passages.
    text = re.sub("[\u00a0\u202f]+(?=[;:!?»])|(?<=«)[\u00a0\u202f]+", "", text)
    text = unicodedata.normalize("NFKC", text).translate(TYPOGRAPHY)
    return [word.strip("'\"") for word in text.split() if re.search(r"\w", word)]


def epub_profile(path: Path, *, built: bool) -> Profile:
    """The text of an EPUB's reading order: a source's without the pages bookforge makes itself (title page,
    contents...), a built one's without bookforge's generated pages."""
    with zipfile.ZipFile(path) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_path = container.find(".//c:rootfile", NS).get("full-path")
        opf = etree.fromstring(archive.read(opf_path))
        manifest = {i.get("id"): i for i in opf.iterfind(".//opf:manifest/opf:item", NS)}
        profile = Profile([], [], 0, 0, 0)
        notes_last: list[list[str]] = []
        for itemref in opf.iterfind(".//opf:spine/opf:itemref", NS):
            item = manifest[itemref.get("idref")]
            if "nav" in (item.get("properties") or "") or (built and itemref.get("idref") in GENERATED):
                continue
            name = posixpath.join(posixpath.dirname(opf_path), item.get("href"))
            root = strip_namespaces(parse_markup(archive.read(name), name))  # an EPUB 2's `&nbsp;` read as HTML
            body = root.find("body")
            etree.strip_tags(body, etree.Comment)
            types = epub_types(body) | {t for s in body if tag(s) == "section" for t in epub_types(s)}
            kind = kind_of(types)
            if not built and kind == "skip":
                continue
            if kind == "notes" and not built:  # its notes move to their references; its heading goes
                _add(body, Profile([], [], 0, 0, 0), notes_last)
            else:
                _add(body, profile, profile.notes)
        profile.notes.extend(notes_last)
        return profile


def _add(body: etree._Element, profile: Profile, notes: list[list[str]]) -> None:
    for element in list(body.iter()):
        if not isinstance(element.tag, str):
            continue
        types = epub_types(element)
        if types & NOTE_TYPES or "footnote-item" in (element.get("class") or ""):
            for link in element.iter("a"):
                if "backlink" in epub_types(link) or link.get("role") == "doc-backlink" or \
                        "footnote-backref" in (link.get("class") or ""):
                    _empty(link)
            notes.append(normalised_words("".join(_text(element))))
            element.getparent().remove(element)
        elif "noteref" in types or "footnote-ref" in (element.get("class") or ""):
            _empty(element)
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        name = tag(element)
        if name in ("h1", "h2", "h3", "h4", "h5", "h6") and tag(element.getparent()) != "hgroup" or name == "hgroup":
            profile.headings += 1
        quoted_source = name == "cite" and any(tag(a) == "blockquote" for a in element.iterancestors())
        if name in ("em", "i", "strong", "b", "cite", "dfn", "var") and "".join(element.itertext()).strip() \
                and not quoted_source:  # a quotation's source becomes its attribution, set apart, not emphasised
            profile.emphasis += 1
        if name == "img":
            profile.images += 1
    profile.words.extend(normalised_words("".join(_text(body))))


def _text(element: etree._Element) -> list[str]:
    """Text with a space at every block's edges, so that paragraphs do not run together."""
    parts = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if not isinstance(node.tag, str):
            continue
        block = tag(node) in BLOCKS
        if event == "start":
            parts.append((" " if block else "") + (node.text or ""))
        else:
            parts.append((" " if block else "") + (node.tail or "" if node is not element else ""))
    return parts


def _empty(element: etree._Element) -> None:
    """Its text and children gone, its tail (the text after it) kept."""
    element.text = ""
    for child in list(element):
        element.remove(child)
