"""Markdown chapter files (`chapter: 03-east-wind.md`): YAML front matter for the title and options, the body as
the chapter's `text`. Read into the same YamlDocument as a YAML chapter, so the same model validates it and every
problem is located by line and column in the .md file."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.manuscript.yamlfile import (
    MAX_TEXT_CHARS,
    YamlDocument,
    _bad_character_diagnostic,
    bad_character,
    parse_yaml,
    read_source,
)

SUFFIXES = (".md", ".markdown")
_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_TITLE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t#]*$")


def is_markdown(path: Path | str) -> bool:
    return str(path).lower().endswith(SUFFIXES)


def read_markdown(path: Path, shown_as: str, root: Path | None = None) -> YamlDocument:
    """A Markdown chapter as a YamlDocument: its front matter's keys, and `text`, the body. Read by the same rule
    as every manuscript file (yamlfile.read_source)."""
    return parse_markdown(read_source(path, shown_as, root), shown_as)


def parse_markdown(raw: bytes, shown_as: str) -> YamlDocument:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        parse_yaml(raw, shown_as)  # says where the first byte that is not UTF-8 is
        raise
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    body_line = 0
    if lines and lines[0].rstrip() == "---":
        close = next((n for n in range(1, len(lines)) if _FENCE.match(lines[n])), None)
        if close is None:
            raise BookforgeError([Diagnostic("front-matter", "the front matter is never closed",
                                             Location(shown_as, 1, 1),
                                             "end it with a line `---`, before the chapter's text")])
        # The opening `---` starts a YAML document: line numbers are the file's own.
        doc = parse_yaml("\n".join(lines[:close]).encode("utf-8"), shown_as)
        body_line = close + 1
    else:
        doc = parse_yaml(b"", shown_as)
    if not isinstance(doc.data, dict):
        raise BookforgeError([Diagnostic("front-matter", "the front matter should be `key: value` lines",
                                         Location(shown_as, 2, 1), "for example `title: The East Wind`")])
    doc.source = text
    problems: list[Diagnostic] = []
    if "text" in doc.data:
        problems.append(Diagnostic("unknown-key", "a Markdown chapter's text is its body, after the front matter",
                                   doc.where(("text",), key=True), "move the text below the closing `---`"))
    while body_line < len(lines) and not lines[body_line].strip():
        body_line += 1
    heading = _TITLE.match(lines[body_line]) if body_line < len(lines) else None
    if heading and "title" not in doc.data:  # `# The East Wind` as the first line is the title
        doc.data["title"] = heading["title"]
        doc.values[("title",)] = doc.keys[("title",)] = Location(shown_as, body_line + 1, 1)
        body_line += 1
        while body_line < len(lines) and not lines[body_line].strip():
            body_line += 1
    body = "\n".join(lines[body_line:]).rstrip()
    if body:
        where = Location(shown_as, body_line + 1, 1)
        doc.values[("text",)] = doc.keys[("text",)] = where
        bad = bad_character(body)
        if len(body) > MAX_TEXT_CHARS:
            problems.append(Diagnostic("text-too-long", f"this text is {len(body):,} characters long; at most "
                                       f"{MAX_TEXT_CHARS:,} are allowed in one chapter", where,
                                       "split the chapter into several chapter files"))
        elif bad is not None:
            index = text.index(bad, len("\n".join(lines[:body_line])))
            line_start = text.rfind("\n", 0, index) + 1
            problems.append(_bad_character_diagnostic(bad, Location(
                shown_as, text.count("\n", 0, index) + 1, index - line_start + 1)))
        else:
            doc.data.setdefault("text", unicodedata.normalize("NFC", body))
    if problems:
        raise BookforgeError(problems)
    return doc
