"""(X)HTML elements -> Markdown in bookforge's prose vocabulary (manuscript/prose.py): paragraphs, emphasis, notes,
scene breaks, quotations, epigraphs, verse, lists, definition lists, tables, figures, a passage's language, small
capitals. What that vocabulary cannot say is kept as text where it has any, and reported at its place."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lxml import etree

from bookforge.importing.markup import escape, escape_line_starts, indent, wrap
from bookforge.importing.tree import (
    BLOCK_TAGS,
    HEADINGS,
    TEXT_ITEM,
    XML_LANG,
    attribute_lang,
    classes,
    epub_types,
    is_scene_break,
    new_element,
    tag,
    tail_item,
    inline_copy,
    text_item,
    where,
)
from bookforge.importing.verse import VERSE_TYPES, verse

if TYPE_CHECKING:
    from bookforge.importing.convert import Converter

_SPACE = re.compile(r"[ \t\n\r\f\v]+")
EMPHASIS = {"em", "i", "cite", "dfn", "var"}
STRONG = {"strong", "b"}
PLAIN_INLINE = {"span", "abbr", "time", "small", "bdi", "bdo", "mark", "font", "acronym", "big", "label", "data"}
SIMPLIFIED_INLINE = {"u": "underlined text", "s": "struck-through text", "del": "deleted text", "ins": "inserted text",
                     "strike": "struck-through text", "code": "code", "kbd": "keyboard input", "samp": "sample output",
                     "tt": "typewriter text", "sup": "a superscript", "sub": "a subscript"}
LANGUAGE_BLOCKS = {"p", "div", "section", "article", "blockquote", "aside", "ul", "ol", "dl", "table"}
"""Blocks whose `lang` (a passage in another language than the book's) becomes `::: {lang=..}`."""
DROPPED = {"script", "style", "svg", "math", "video", "audio", "iframe", "object", "embed", "form", "input", "button",
           "select", "textarea", "canvas", "map", "head", "title", "meta", "link", "template", "noscript", "rt", "rp"}




class Prose:
    """One chapter's (or one note's) Markdown: blocks and inline text of a document's elements."""

    def __init__(self, converter: Converter, document: str, notes: list[str] | None):
        self.converter, self.document = converter, document
        self.notes = notes
        """The chapter's note definitions, `[^n]: ...`, in order of reference; None inside a note or a title."""
        self.labels: dict[tuple[str, str], str] = {}
        self.nested = 0
        """Inside a quotation, a list, a definition or a table: blocks there are text, never entries."""

    def report(self, element: etree._Element, message: str, hint: str | None = None) -> None:
        self.converter.report(self.document, element, message, hint)

    def where(self, element: etree._Element) -> tuple[str, int]:
        return where(self.document, element)

    # --- blocks -------------------------------------------------------------------------------------------------

    def blocks(self, items: Iterable[etree._Element], *, at_head: bool = True) -> list[str]:
        """Markdown blocks of these elements (a block element each, or a paragraph of loose inline ones)."""
        result: list[str] = []
        run: list[etree._Element] = []
        empty_run = 0

        def flush() -> None:
            if run:
                holder = new_element("p")
                for element in run:
                    holder.append(inline_copy(element))
                paragraph = self.paragraph(holder)
                if paragraph:
                    result.append(paragraph)
                run.clear()

        for element in items:
            name = tag(element)
            if name == TEXT_ITEM:
                run.append(element)
                continue
            if name not in BLOCK_TAGS and name not in ("img",):
                run.append(element)
                continue
            flush()
            if name == "p" and not "".join(element.itertext()).strip() and element.find(".//img") is None:
                empty_run += 1  # a word processor's blank lines: two or more between paragraphs are a scene break
                continue
            if empty_run >= 2 and result and result[-1] != "* * *":
                result.append("* * *")
                self.converter.counts["scene breaks"] += 1
            empty_run = 0
            result.extend(self.block(element, at_head=at_head and not result))
        flush()
        return result

    def nested_blocks(self, element: etree._Element) -> list[str]:
        """The blocks of an element's content, as Markdown text to be quoted, indented or joined."""
        self.nested += 1
        try:
            return self.blocks(self.children(element), at_head=False)
        finally:
            self.nested -= 1

    def children(self, element: etree._Element) -> list[etree._Element]:
        """An element's content as items for `blocks`: its child elements, its text and tails as text items."""
        items: list[etree._Element] = []
        if element.text and element.text.strip():
            items.append(text_item(element.text))
        for child in element:
            if not isinstance(child.tag, str):
                continue
            items.append(child)
            tail = tail_item(child)
            if tail is not None:
                items.append(tail)
        return items

    def block(self, element: etree._Element, *, at_head: bool = False) -> list[str]:
        name, types = tag(element), epub_types(element)
        if name in DROPPED:
            if name not in ("script", "style", "head", "title", "meta", "link", "rt", "rp"):
                self.report(element, f"<{name}> cannot go into a manuscript and was left out",
                            "redraw it as an image (PNG or SVG) and add it as a figure")
            return []
        if self.converter.is_note(self.document, element) or classes(element) & {"footnotes", "footnotes-sep"} or \
                "backlink" in types:  # a note moves to its reference; markdown-it's rule before the notes goes
            return []
        if name == "nav":
            self.report(element, "a navigation list was left out: bookforge makes the contents itself")
            return []
        language = attribute_lang(element)
        is_verse = bool(types & VERSE_TYPES or classes(element) & {"verse", "poem"})
        if language and name in LANGUAGE_BLOCKS and not is_verse and self.converter.foreign(language):
            for attribute in (XML_LANG, "xml:lang", "lang"):  # said once, around the block
                element.attrib.pop(attribute, None)
            self.nested += 1
            inner = self.block(element, at_head=at_head)
            self.nested -= 1
            return [f"::: {{lang={language}}}\n" + "\n\n".join(inner) + "\n:::"] if inner else []
        if is_verse:
            return [verse(self, element)]
        if "epigraph" in types or "epigraph" in classes(element):
            return [self.epigraph(element, at_head)]
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            title = self.inline(element, line=True).strip()
            self.converter.counts["headings"] += 1
            return [f"{'#' * max(2, min(6, int(name[1]) - self.converter.level_offset))} {title}"] if title else []
        if name == "hr" and "page-break" in classes(element):
            following = next((e for e in element.itersiblings() if "".join(e.itertext()).strip()), None)
            if (element.tail or "").strip() or following is not None and tag(following) not in HEADINGS:
                self.report(element, "a page break inside a chapter was left out: pages break where the layout "
                            "says (a new chapter starts a page)")
            return []
        if name == "hr" or (name == "p" and is_scene_break("".join(element.itertext()))):
            self.converter.counts["scene breaks"] += 1
            return ["* * *"]
        if name == "p" or name in ("dt", "address", "caption", "figcaption", "summary"):
            paragraph = self.paragraph(element)
            return [paragraph] if paragraph else []
        if name == "blockquote":
            inner = self.quotation(element)
            return [indent("\n\n".join(inner), "> ")] if inner else []
        if name in ("ul", "ol"):
            return [self.listing(element)]
        if name == "dl":
            return self.definitions(element)
        if name in ("figure", "img"):
            return self.figure(element)
        if name == "table":
            return self.converter.table(self, element)
        if name == "pre":
            self.report(element, "preformatted text became paragraphs: its spacing is not kept")
            return [escape_line_starts(escape(line.strip())) for line in "".join(element.itertext()).split("\n")
                    if line.strip()]
        if name == "hgroup":
            self.converter.counts["headings"] += 1
            return [f"## {self.heading(element)}"]
        if name == "br":
            return []
        return self.blocks(self.children(element), at_head=at_head)  # section, div, header, li...

    def heading(self, element: etree._Element) -> str:
        """A heading's text on one line; a group's headings (`I`, `A Scandal in Bohemia`) joined by colons."""
        return " ".join(re.sub(r"^[:\s]+", "", self.inline(element, line=True, separator=": ")).split())

    def paragraph(self, element: etree._Element) -> str:
        figures: list[str] = []
        text = self.inline(element, figures=figures).strip(" ")
        text = re.sub(r" *\\\n *", "\\\n", re.sub(r" {2,}", " ", text)).strip()
        while text.endswith("\\"):
            text = text[:-1].rstrip()
        parts = [escape_line_starts(text)] if text else []
        return "\n\n".join(parts + figures)

    def attribution(self, element: etree._Element) -> str:
        return "— " + re.sub(r"^(—|―|--|–)\s*", "", self.inline(element, line=True).strip())

    def epigraph(self, element: etree._Element, at_head: bool) -> str:
        inner = self.quotation(element)
        if not at_head:
            self.report(element, "an epigraph inside a chapter became a quotation: bookforge sets epigraphs at a "
                        "chapter's head")
            return indent("\n\n".join(inner), "> ")
        return "::: epigraph\n" + "\n\n".join(inner) + "\n:::"

    def quotation(self, element: etree._Element) -> list[str]:
        """A quotation's blocks, its source (`<cite>`, `<footer>`) a last paragraph starting with `—`."""
        blocks: list[str] = []
        self.nested += 1
        for child in self.children(element):
            if tag(child) in ("cite", "footer") or "attribution" in classes(child):
                blocks.append(self.attribution(child))
            else:
                blocks.extend(self.blocks([child], at_head=False))
        self.nested -= 1
        return blocks

    def listing(self, element: etree._Element) -> str:
        ordered = tag(element) == "ol"
        start = int(element.get("start", "1")) if (element.get("start") or "").isdigit() else 1
        items = []
        for number, item in enumerate((c for c in element if isinstance(c.tag, str) and tag(c) == "li"), start):
            marker = f"{number}. " if ordered else "- "
            inner = "\n\n".join(self.nested_blocks(item)) or "\u00a0"
            items.append(indent(inner, " " * len(marker), first=marker))
        return "\n".join(items)

    def definitions(self, element: etree._Element) -> list:
        shapes = self.converter.shapes
        if shapes is not None and self.notes is not None and not self.nested:
            return shapes.from_definitions(self, element)
        written = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if tag(child) == "dt":
                written.append(self.inline(child, line=True).strip())
            elif tag(child) == "dd":
                inner = "\n\n".join(self.nested_blocks(child))
                written.append(indent(inner, "    ", first=": "))
            elif tag(child) == "div":  # HTML allows dt/dd grouped in a div
                written.extend(self.definitions(child))
        return ["\n".join(written)] if written else []

    def figure(self, element: etree._Element) -> list[str]:
        images = [element] if tag(element) == "img" else list(element.iter("img"))
        caption_element = element.find(".//figcaption") if tag(element) != "img" else None
        caption = " ".join(self.inline(caption_element, line=True).split()) if caption_element is not None else ""
        if not images:
            return self.blocks(self.children(element))
        written = [self.converter.image(self, image, caption if n == len(images) - 1 else "")
                   for n, image in enumerate(images)]
        return [w for w in written if w]

    # --- inline -------------------------------------------------------------------------------------------------

    def inline(self, element: etree._Element, *, line: bool = False, figures: list[str] | None = None,
               separator: str = " ") -> str:
        """The Markdown of an element's content (its text and children, not its tail)."""
        parts = [escape(_SPACE.sub(" ", element.text))] if element.text else []
        for child in element:
            if isinstance(child.tag, str):
                parts.append(self.span(child, line, figures, separator))
            if child.tail:
                parts.append(escape(_SPACE.sub(" ", child.tail)))
        return "".join(parts)

    def span(self, element: etree._Element, line: bool, figures: list[str] | None, separator: str) -> str:
        name = tag(element)
        if name == "br":
            return " " if line else "\\\n"
        if name in DROPPED:
            self.block(element)  # reported as a block would be
            return ""
        inner = self.inline(element, line=line, figures=figures, separator=separator) if len(element) or element.text \
            else ""
        if name == "a":
            return self.link(element, inner)
        if name == "img":
            if figures is None:
                self.report(element, "an image inside a heading or a caption was left out")
                return ""
            figures.extend(self.figure(element))
            return ""
        language = attribute_lang(element)
        span_classes = classes(element)
        if name in ("h1", "h2", "h3", "h4", "h5", "h6", "p") and line:
            return separator + inner.strip() if inner.strip() else ""
        if name == "q":
            inner = f"“{inner}”"
        if name in EMPHASIS and inner.strip():
            self.converter.counts["emphasis"] += 1
            inner = wrap(inner, "*")
        elif name in STRONG and inner.strip():
            self.converter.counts["emphasis"] += 1
            inner = wrap(inner, "**")
        elif name in SIMPLIFIED_INLINE and inner.strip():
            if name == "sup" and element.find(".//a") is not None:
                return inner
            self.report(element, f"{SIMPLIFIED_INLINE[name]} became plain text")
        elif name not in PLAIN_INLINE and name not in ("q",) and name not in BLOCK_TAGS:
            self.report(element, f"<{name}> became plain text")
        small_caps = bool(span_classes & {"smallcaps", "small-caps", "sc"}) or "z3998:small-caps" in epub_types(element)
        if small_caps and inner.strip():
            return wrap(inner, "[", "]{.smallcaps" + (f" lang={language}" if language else "") + "}")
        return self._language(inner, language)

    @staticmethod
    def _language(inner: str, language: str | None) -> str:
        return wrap(inner, "[", f"]{{lang={language}}}") if language and inner.strip() else inner

    def link(self, element: etree._Element, inner: str) -> str:
        href = (element.get("href") or "").strip()
        target = self.converter.note_target(self.document, element)
        if target is not None:
            return self.note_reference(element, target)
        if "backlink" in epub_types(element) or "footnote-backref" in classes(element) or \
                self.converter.is_back_link(self.document, element):
            return ""
        if re.match(r"^(https?:|mailto:)", href, re.IGNORECASE) and inner.strip():
            destination = f"<{href}>" if re.search(r"[\s()<>]", href) else href
            return wrap(inner, "[", f"]({destination})")
        if href and inner.strip():
            self.report(element, f"a link to `{href}` inside the book became plain text")
        return inner

    def note_reference(self, element: etree._Element, target: tuple[str, str]) -> str:
        if self.notes is None:
            self.report(element, "a note inside a note or a title became plain text")
            return ""
        if target not in self.labels:
            self.labels[target] = str(len(self.labels) + 1)
            note = self.converter.take_note(target)
            inner = Prose(self.converter, target[0], None)
            body = "\n\n".join(inner.blocks(inner.children(note), at_head=False)) or "\u00a0"
            self.notes.append(indent(body, "    ", first=f"[^{self.labels[target]}]: "))
            self.converter.counts["notes"] += 1
        return f"[^{self.labels[target]}]"
