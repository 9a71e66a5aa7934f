"""Small facts about (X)HTML elements every source shares: their names without namespaces, `epub:type`, classes,
language; the chapter headings a document splits at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import deepcopy

from lxml import etree

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TEXT_ITEM = "bookforge-text"
"""Loose text between block elements, held as an element of this name so that a list of blocks is one kind."""
BLOCK_TAGS = {"p", "div", "section", "article", "header", "footer", "main", "blockquote", "ul", "ol", "li", "dl", "dt",
              "dd", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure", "figcaption", "table", "pre", "aside", "nav",
              "hgroup", "address", "body", "center", "details", "summary", "caption", "html"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SCENE_BREAK = re.compile(r"^\s*(([*#~•·⁂❧☙✻✽✦◆◇]|-|_)\s*){1,7}\s*$")
_NOT_CHAPTER_CONTEXT = {"blockquote", "aside", "nav", "figure", "table", "li", "dd"}


def tag(element: etree._Element) -> str:
    if not isinstance(element.tag, str):
        return "#comment"
    return etree.QName(element).localname.lower()


def epub_types(element: etree._Element) -> set[str]:
    return set((element.get(EPUB_TYPE) or element.get("epub:type") or "").split())


def classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def attribute_lang(element: etree._Element) -> str | None:
    language = element.get(XML_LANG) or element.get("xml:lang") or element.get("lang")
    return language.strip() if language and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", language.strip()) \
        else None


def is_scene_break(text: str) -> bool:
    return bool(_SCENE_BREAK.match(text)) and len(text.strip()) <= 12


def new_element(name: str) -> etree._Element:
    return etree.Element(name)


def text_item(text: str) -> etree._Element:
    item = etree.Element(TEXT_ITEM)
    item.text = text
    return item


def inline_copy(element: etree._Element) -> etree._Element:
    """A copy of an element without its tail, to hold in a paragraph of its own; a text item becomes a span."""
    if tag(element) == TEXT_ITEM:
        copy = new_element("span")
        copy.text = element.text
        return copy
    copy = deepcopy(element)
    copy.tail = None
    return copy


def plain_text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def strip_namespaces(root: etree._Element) -> etree._Element:
    """Tags without their namespace (XHTML's, or none); attributes keep theirs (`epub:type`, `xml:lang`)."""
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]
    return root


def chapter_headings(body: etree._Element, level: int | None) -> tuple[int | None, list[etree._Element]]:
    """The level chapters start at and their headings (an `hgroup` stands for the headings it groups): `level` if
    given, else the document's highest heading level."""
    found: list[tuple[int, etree._Element]] = []
    for element in body.iter(*HEADINGS):
        if any(tag(ancestor) in _NOT_CHAPTER_CONTEXT for ancestor in element.iterancestors()):
            continue
        parent = element.getparent()
        holder = parent if parent is not None and tag(parent) == "hgroup" else element
        if found and found[-1][1] is holder:
            continue
        found.append((int(tag(element)[1]), holder))
    if not found:
        return level, []
    top = level if level is not None else min(number for number, _ in found)
    return top, [holder for number, holder in found if number == top]


def flattened(container: etree._Element, headings: set[etree._Element]) -> Iterator[etree._Element]:
    """The container's content as a run of items in which every chapter heading is a top item: elements holding a
    heading are opened up (their text becomes text items)."""
    if container.text and container.text.strip():
        yield text_item(container.text)
    for child in container:
        if not isinstance(child.tag, str):
            continue
        if child not in headings and any(h in headings for h in child.iter()):
            kind = " ".join(sorted(epub_types(child)))
            first = next((h for h in child.iter() if h in headings), None)
            if kind and first is not None and first.get("data-kind") is None:
                first.set("data-kind", kind)  # a section's type, kept for the chapter its heading opens
            yield from flattened(child, headings)
        else:
            yield child
        tail = tail_item(child)
        if tail is not None:
            yield tail


def tail_item(child: etree._Element) -> etree._Element | None:
    """The text after an element as an item: its words, or the space between it and the next inline element."""
    if child.tail and (child.tail.strip() or tag(child) not in BLOCK_TAGS):
        return text_item(child.tail)
    return None


KINDS = {
    **{name: name for name in ("dedication", "epigraph", "foreword", "preface", "introduction", "prologue", "epilogue",
                               "afterword", "colophon", "part", "chapter")},
    "acknowledgments": "acknowledgements", "volume": "part", "division": "part",
    **dict.fromkeys(("titlepage", "halftitlepage", "toc", "landmarks", "loi", "lot", "cover", "page-list",
                     "seriespage", "other-credits"), "skip"),
    **dict.fromkeys(("copyright-page", "imprint", "imprimatur", "frontmatter", "contributors", "errata"),
                    "frontmatter"),
    **dict.fromkeys(("endnotes", "footnotes", "rearnotes"), "notes"),
    **dict.fromkeys(("appendix", "glossary", "bibliography", "index", "backmatter"), "backmatter"),
    "bodymatter": "chapter",
}
"""`epub:type` values -> what the import makes: a chapter, a type of front or back matter, `part`, `notes` (whose
notes move to their references), `skip` (a page bookforge makes itself)."""


def kind_of(types: set[str]) -> str | None:
    """The most specific kind these types name (`dedication` before `frontmatter`)."""
    kinds = [KINDS[name] for name in sorted(types) if name in KINDS]
    specific = [kind for kind in kinds if kind not in ("frontmatter", "backmatter", "chapter")]
    return (specific or kinds or [None])[0]


def where(document: str, element: etree._Element) -> tuple[str, int]:
    """(file, line) of an element: its source line in an XML or Markdown file, its paragraph in a Word document."""
    paragraph = next((e.get("data-paragraph") for e in (element, *element.iterancestors()) if e.get("data-paragraph")),
                     None)
    if paragraph:
        return f"{document}#paragraph-{paragraph}", 0
    line = next((e.get("data-line") for e in (element, *element.iterancestors()) if e.get("data-line")), None)
    return document, int(line) if line else (element.sourceline or 0)
