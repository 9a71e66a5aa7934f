"""Markdown (one file, chapters at `#` headings, or a folder of files in name order) and plain text -> SourceBook.

Markdown is read by markdown-it-py (CommonMark with tables, footnotes, definition lists, `{lang=fr}` spans, and raw
HTML, which the converter reduces to the manuscript's vocabulary); a Pandoc-style YAML metadata block at the top
gives the metadata. Plain text that is not the sample's entry layout is read as paragraphs between blank lines,
chapters at heading lines (`Chapter 1`, `CHAPTER ONE`, `IV`, `# Title`), scene breaks at `*`, `#` or `* * *` lines.
"""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

from lxml import etree, html
from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.files import Refused, read_inside, refusal
from bookforge.importing.archive import read_source
from bookforge.importing.markup import escaped_metadata
from bookforge.importing.model import SourceBook, SourceDocument
from bookforge.importing.tree import is_scene_break
from bookforge.manuscript.images import MAX_IMAGE_BYTES
from bookforge.manuscript.markdown import SUFFIXES
from bookforge.manuscript.yamlfile import parse_yaml

MAX_FILES = 2_000
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_CHAPTER_LINE = re.compile(r"^(#{1,2} .+|(chapter|part|book|prologue|epilogue|preface|introduction)\b.{0,70}|"
                           r"[IVXLC]{1,7}\.?|\d{1,3}\.?)$", re.IGNORECASE)


def read_markdown(source: Path, shown: str) -> SourceBook:
    files = sorted(p for p in source.iterdir() if p.name.lower().endswith(SUFFIXES)) if source.is_dir() else [source]
    if not files:
        raise BookforgeError([Diagnostic("import-source", "this folder holds no Markdown files (`.md`)",
                                         Location(shown))])
    if len(files) > MAX_FILES:
        raise BookforgeError([Diagnostic("import-source", f"this folder holds {len(files):,} Markdown files; at most "
                                         f"{MAX_FILES:,} are read", Location(shown))])
    documents, metadata = [], {}
    for path in files:
        name = f"{shown}/{path.name}" if source.is_dir() else shown
        text, head = _front_matter(read_source(path, name).decode("utf-8-sig", errors="strict"), name)
        metadata = metadata or _pandoc_metadata(head)
        body = _markdown_body(text)
        level = 1 if body.find(".//h1") is not None else None
        title = head.get("title") if len(files) > 1 else None
        documents.append(SourceDocument(name, body, None, str(title) if title else (
            path.stem if level is None else None), level))
    folder = (source if source.is_dir() else source.parent).resolve()

    def read_image(document: str, src: str) -> bytes | None:
        try:
            return read_inside(folder, src, MAX_IMAGE_BYTES + 1)
        except Refused as exc:
            if exc.kind == "missing":
                return None
            raise BookforgeError([refusal(exc, src, Location(document), MAX_IMAGE_BYTES)]) from None

    return SourceBook(tuple(documents), metadata, read_image)


def read_text(source: Path, shown: str, chapter_line: re.Pattern | None = None) -> SourceBook:
    """Paragraphs between blank lines; a chapter at each line `chapter_line` matches (or the usual headings)."""
    chapter_line = chapter_line or _CHAPTER_LINE
    text = read_source(source, shown).decode("utf-8-sig")
    body = etree.Element("body")
    paragraphs = [(text.count("\n", 0, m.start()) + 1, m.group().strip())
                  for m in re.finditer(r"(?:[^\n]*\S[^\n]*\n?)+", text)]
    title = None
    if paragraphs and "\n" not in paragraphs[0][1] and not chapter_line.match(paragraphs[0][1]) \
            and len(paragraphs[0][1]) < 100:
        title = paragraphs.pop(0)[1]
    for line, paragraph in paragraphs:
        first, _, rest = paragraph.partition("\n")
        if chapter_line.match(first.strip()) and not is_scene_break(first):
            heading = etree.SubElement(body, "h1", {"data-line": str(line)})
            heading.text = first.lstrip("#").strip()
            paragraph, line = rest.strip(), line + 1
            if not paragraph:
                continue
        element = etree.SubElement(body, "hr" if is_scene_break(paragraph) else "p", {"data-line": str(line)})
        if element.tag == "p":
            element.text = " ".join(paragraph.split())
    return SourceBook((SourceDocument(shown, body, None, title or source.stem, 1),),
                      escaped_metadata({"title": title or ""}),
                      lambda document, src: None)


def _front_matter(text: str, shown: str) -> tuple[str, dict]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return text, {}
    close = next((n for n in range(1, len(lines)) if _FENCE.match(lines[n])), None)
    if close is None:
        return text, {}
    data = parse_yaml("\n".join(lines[:close]).encode("utf-8"), shown).data
    data = dict(data) if isinstance(data, dict) else {}
    return "\n".join([""] * (close + 1) + lines[close + 1:]), data  # blank lines keep the line numbers true


def _pandoc_metadata(head: dict) -> dict[str, object]:
    if not head:
        return {}
    authors = head.get("author") or head.get("authors") or []
    authors = [authors] if isinstance(authors, (str, dict)) else list(authors)
    creators = [{"name": str(a.get("name") if isinstance(a, dict) else a), "role": "author"} for a in authors if a]
    subjects = head.get("subject") or head.get("keywords") or []
    return {"title": str(head.get("title") or ""), "subtitle": str(head.get("subtitle") or ""), "creators": creators,
            "language": str(head.get("lang") or head.get("language") or ""),
            "description": str(head.get("description") or head.get("abstract") or ""),
            "subjects": [subjects] if isinstance(subjects, str) else [str(s) for s in subjects],
            "publisher": str(head.get("publisher") or ""), "rights": str(head.get("rights") or ""),
            "date": str(head.get("date") or ""), "identifier": str(head.get("identifier") or "")}


def _markdown_body(text: str) -> etree._Element:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    footnote_plugin(md)
    deflist_plugin(md)
    attrs_plugin(md, spans=True)

    def lines(state) -> None:  # each block remembers its line, for located notices
        for token in state.tokens:
            if token.map and token.nesting == 1:
                token.attrSet("data-line", str(token.map[0] + 1))

    md.core.ruler.push("source_lines", lines)
    container_plugin(md, "div", validate=lambda params, *args: True, render=_fenced_div)
    md.core.ruler.push("verse_lines", _verse_lines)
    rendered = md.render(text)
    return html.document_fromstring(f"<html><body>{rendered}</body></html>").find("body")



_DIV_NAME = re.compile(r"(?<![\w=-])\.?([A-Za-z][\w-]*)(?![\w=])")
_DIV_LANG = re.compile(r"lang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)")


def _fenced_div(renderer, tokens, index, options, env) -> str:
    """`::: verse`, `::: epigraph` (bookforge's blocks), `::: {.epigraph}`, `::: {lang=fr}` (Pandoc's fenced divs) as
    a div with those classes and that language, which the converter reads like an EPUB's."""
    token = tokens[index]
    if token.nesting == -1:
        return "</div>\n"
    info = token.info.strip()
    language = _DIV_LANG.search(info)
    names = " ".join(_DIV_NAME.findall(_DIV_LANG.sub("", info)))
    line = token.attrGet("data-line")
    return (f'<div class="{html_escape(names)}"' + (f' lang="{language[1]}"' if language else "")
            + (f' data-line="{line}"' if line else "") + ">\n")


def _verse_lines(state) -> None:
    """Inside `::: verse`, each line of a stanza is a line: its soft breaks become breaks."""
    inside = 0
    for token in state.tokens:
        if token.type == "container_div_open":
            inside += "verse" in token.info.split() or ".verse" in token.info
        elif token.type == "container_div_close" and inside:
            inside -= 1
        elif inside and token.type == "inline":
            for child in token.children or ():
                if child.type == "softbreak":
                    child.type = "hardbreak"
