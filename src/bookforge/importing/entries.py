"""`--entries TYPE`: a source's recurring shapes as typed entries, so that a glossary or a dictionary arrives as
entries: a definition list (a term and its definition), or a subheading followed by paragraphs of which some are
labelled (`Origin: ...`, `**Origin:** ...`), each label a field of the type."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import yaml
from lxml import etree

from bookforge.importing.tree import tag
from bookforge.manuscript.types import RESERVED_FIELDS

if TYPE_CHECKING:
    from bookforge.importing.markdown_out import Prose

_LABELLED = re.compile(r"^(?:\*\*(?P<strong>[A-Z][\w’' -]{0,30}?):\*\*|(?P<plain>[A-Z][\w’' -]{0,30}?):)"
                       r"\s+(?P<text>\S.*)$", re.DOTALL)
_HEADING = re.compile(r"^#{2,6} (?P<title>.+)$")


@dataclass(frozen=True)
class ImportedEntry:
    """One entry: its fields in order, each Markdown (`title` a line, the others prose)."""

    fields: tuple[tuple[str, str], ...]


class EntryShapes:
    """The shapes `--entries TYPE` maps onto entries of that type, and the fields they turned out to have."""

    def __init__(self, type_name: str):
        self.type_name = type_name
        self.labels: dict[str, str] = {}
        """Fields found so far beyond `title` and `text`, with the label the source gave them."""

    def from_definitions(self, prose: Prose, element: etree._Element) -> list[ImportedEntry]:
        entries: list[ImportedEntry] = []
        term: str | None = None
        for child in (c for group in (element, *element.iterfind("div")) for c in group):
            if not isinstance(child.tag, str):
                continue
            if tag(child) == "dt":  # several terms for one definition: one entry titled by all of them
                written = prose.inline(child, line=True).strip()
                term = f"{term}, {written}" if term else written
            elif term:
                text = "\n\n".join(prose.nested_blocks(child))
                entries.append(ImportedEntry((("title", term), ("text", text))))
                term = None
        return entries

    def from_headed_sections(self, blocks: list) -> list:
        """Blocks with each `## Heading` section that has a labelled paragraph made into one entry."""
        result: list = []
        index = 0
        while index < len(blocks):
            heading = _HEADING.match(blocks[index]) if isinstance(blocks[index], str) else None
            end = index + 1
            while end < len(blocks) and not (isinstance(blocks[end], str) and _HEADING.match(blocks[end])):
                end += 1
            section = blocks[index + 1:end]
            if heading and all(isinstance(b, str) for b in section) and any(_LABELLED.match(b) for b in section):
                result.append(self._entry(heading["title"], section))
                index = end
                continue
            result.append(blocks[index])
            index += 1
        return result

    def _entry(self, title: str, section: list[str]) -> ImportedEntry:
        text, fields = [], {}
        for block in section:
            labelled = _LABELLED.match(block)
            if labelled is None:
                text.append(block)
                continue
            label = (labelled["strong"] or labelled["plain"]).strip()
            name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
            name = f"{name}_field" if name in RESERVED_FIELDS or name in ("title", "text") or not name[0].isalpha() \
                else name
            self.labels.setdefault(name, label)
            fields[name] = f"{fields[name]}\n\n{labelled['text']}" if name in fields else labelled["text"]
        return ImportedEntry((("title", title), *((("text", "\n\n".join(text)),) if text else ()),
                              *fields.items()))

    def declaration(self) -> str:
        """manuscript/types.yaml declaring the type with the fields the import found."""
        fields: dict[str, object] = {"title": {"kind": "line", "required": True, "description": "The entry's title."},
                                     "text": {"kind": "prose", "label": "", "description": "The entry's text."}}
        for name, label in self.labels.items():
            fields[name] = {"kind": "prose", "label": label}
        data = {self.type_name: {"description": "Entries imported by `bookforge import --entries`.",
                                 "title": "title", "fields": fields}}
        return ("# yaml-language-server: $schema=schema/types.schema.json\n# The book's entry types, as `bookforge "
                "import` found them. README, \"Entry types\", tells every option.\n"
                + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))


def note_labels(text: str) -> Iterable[str]:
    """The labels of the notes a text refers to (`[^1]`), in order."""
    return re.findall(r"\[\^(\d+)\]", text)
