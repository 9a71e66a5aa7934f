"""Writing Markdown text safely: escaping what bookforge's Markdown would read as markup, markers around text,
indented blocks."""

from __future__ import annotations

import re

_ESCAPED = re.compile(r"([\\`*_\[\]{}<|])")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)(?:(\d{1,9}|Table)([.):])|([#>+\-:=]))", re.MULTILINE)


def escape(text: str) -> str:
    """Text as Markdown that reads back as this text: emphasis, link, span and table characters escaped."""
    return _ENTITY_LIKE.sub(r"\\&", _ESCAPED.sub(r"\\\1", text))


def escape_line_starts(text: str) -> str:
    """A paragraph's line must not start like a list item, a heading, a quotation, a definition or a table's
    caption: the punctuation that would make it one is escaped (`1984\\.`, `\\#`, `Table\\:`)."""
    def fix(match: re.Match) -> str:
        start, word, mark = match[1], match[2], match[3]
        if word is None:
            return f"{start}\\{match[4]}"
        list_item, caption = word != "Table" and mark != ":", word == "Table" and mark == ":"
        return f"{start}{word}\\{mark}" if list_item or caption else match[0]
    return _LINE_START.sub(fix, text)


def wrap(inner: str, before: str, after: str | None = None) -> str:
    """Markers around text, with its outer spaces left outside (`* word*` is no emphasis)."""
    stripped = inner.strip(" ")
    if not stripped:
        return inner
    lead, trail = inner[:len(inner) - len(inner.lstrip(" "))], inner[len(inner.rstrip(" ")):]
    return f"{lead}{before}{stripped}{before if after is None else after}{trail}"


def indent(text: str, prefix: str, first: str | None = None) -> str:
    """Each line of a block under `prefix` (`> `, a list item's indentation), the first under `first` if given."""
    lines = []
    for number, line in enumerate(text.split("\n")):
        lead = first if first is not None and number == 0 else prefix
        lines.append(lead + line if line.strip() or number == 0 else prefix.rstrip())
    return "\n".join(lines)


TEXT_METADATA = ("title", "subtitle", "publisher", "rights", "description")


def escaped_metadata(metadata: dict[str, object]) -> dict[str, object]:
    """Metadata read as plain text (an OPF's, a Word document's properties) as the inline Markdown book.yaml holds."""
    result = {key: escape(value) if key in TEXT_METADATA and isinstance(value, str) else value
              for key, value in metadata.items()}
    result["creators"] = [{key: escape(value) if key in ("name", "file_as") else value for key, value in c.items()}
                          for c in metadata.get("creators") or []]
    result["subjects"] = [escape(subject) for subject in metadata.get("subjects") or []]
    if isinstance(metadata.get("series"), dict):
        result["series"] = {**metadata["series"], "name": escape(str(metadata["series"].get("name") or ""))}
    return result
