"""Plain text laid out like a web page of titled items -> manuscript YAML (`bookforge import-text`).

The layout it reads: the book's title, a line describing it, then sections. A section starts with a heading
line; each entry is a title line, one or more paragraph lines, and a labelled line (`Context: ...` for a scene,
`Why it matters: ...` for a note) that ends the entry. Lines such as "Download App" are page furniture and dropped.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.files import Refused, write_inside, write_refusal
from bookforge.manuscript.schema import BOOK_SCHEMA, CHAPTER_SCHEMA, SCHEMA_REF

JUNK_LINES = {"download app", "advertisement", "share", "read more"}
# A labelled line ends an entry; its label gives the entry type and the field it fills.
LABELS = {"context": ("scene", "context"), "why it matters": ("note", "why_it_matters")}
_LABEL = re.compile(r"^(?P<label>context|why it matters)\s*:\s*(?P<text>.+)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…\"”’)]$")


@dataclass
class ImportedChapter:
    title: str
    short_title: str | None = None
    """For running heads, when the heading repeats the book's title ("Memorable Scenes from Movie <title>")."""
    entries: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportedBook:
    title: str
    description: str | None
    chapters: list[ImportedChapter]


class ImportError_(ValueError):
    """The text is not laid out as expected; the message names the line."""


def parse_text(text: str) -> ImportedBook:
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line and line.lower() not in JUNK_LINES]
    if len(lines) < 2:
        raise ImportError_("the text needs at least a title line and one entry")
    title = lines[0][1]
    description = lines[1][1] if _SENTENCE_END.search(lines[1][1]) else None
    body = lines[2:] if description else lines[1:]
    chapters: list[ImportedChapter] = []
    pending: list[tuple[int, str]] = []
    for number, line in body:
        match = _LABEL.match(line)
        if not match:
            pending.append((number, line))
            continue
        entry_type, field_name = LABELS[match["label"].lower()]
        leading = 0
        while leading < len(pending) and not _SENTENCE_END.search(pending[leading][1]):
            leading += 1
        if leading == 0 or leading == len(pending):
            raise ImportError_(f"line {number}: the entry ending here has no title line and text before it")
        if leading > 2:
            raise ImportError_(f"line {pending[0][0]}: expected at most a section heading and an entry title, "
                               f"found {leading} short lines")
        if leading == 2 or not chapters:
            heading = pending[0][1] if leading == 2 else "Untitled"
            short = heading.rsplit(" from ", 1)[0] if heading.endswith(title) and " from " in heading else None
            chapters.append(ImportedChapter(heading, short))
        entry = {"type": entry_type, "title": pending[leading - 1][1],
                 "text": "\n\n".join(line for _, line in pending[leading:]),
                 field_name: match["text"].strip()}
        chapters[-1].entries.append(entry)
        pending = []
    if pending:
        raise ImportError_(f"line {pending[0][0]}: text after the last entry has no `Context:` or "
                           "`Why it matters:` line")
    return ImportedBook(title, description, chapters)


def chapter_yaml(chapter: ImportedChapter, schema_ref: str) -> str:
    """A chapter as YAML an author can edit: block text, keys in the order of the model."""
    data: dict[str, object] = {"title": chapter.title}
    if chapter.short_title:
        data["short_title"] = chapter.short_title
    data["entries"] = chapter.entries
    return f"# yaml-language-server: $schema={schema_ref}\n{_dump(data)}"


def file_stem(index: int, title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-").split("-")
    return f"{index:02d}-" + "-".join(words[:4])


class _Dumper(yaml.SafeDumper):
    """Prose as folded blocks (`>-`), which YAML reads as written (no `#` comment, `*` alias or `: ` key can hide in
    them), so authors copy a safe pattern; other long text folded too, so that diffs stay readable."""

    def represent_mapping(self, tag, mapping, flow_style=None):
        mapping = {key: Prose(value) if key in PROSE_KEYS and isinstance(value, str) else value
                   for key, value in mapping.items()}
        return super().represent_mapping(tag, mapping, flow_style)


PROSE_KEYS = {"text", "context", "why_it_matters", "introduction", "description"}
"""Keys whose values are paragraphs of Markdown."""


class Prose(str):
    """Paragraphs of Markdown, written as a `>-` block."""


# A word a line must not start with in a block of paragraphs, where Markdown would read it as a list item, a
# quotation, a heading or a table row.
_BLOCK_MARKER = re.compile(r"^([-*+>#|]|\d{1,9}[.)]|:::.*|\[\^.*)$")


def _wrapped(paragraph: str, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split(" "):
        if line and len(line) + 1 + len(word) > width and not _BLOCK_MARKER.match(word):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _represent_prose(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" not in value:  # one paragraph: YAML's own folding reads it back as it was
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    # Paragraphs: each wrapped, a blank line between them, as bookforge reads a `>-` block (yamltraps.as_written).
    text = "\n\n".join("\n".join(_wrapped(p.strip())) for p in re.split(r"\n\s*\n", value.strip()))
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = ">" if len(value) > 80 or "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _dump(data: object) -> str:
    dumped = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return _LITERAL_HEADER.sub(r"\1>-", dumped)


_LITERAL_HEADER = re.compile(r"^( *(?:- +)*(?:[\w-]+: )?)\|-$", re.MULTILINE)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Prose, _represent_prose)


def import_text_file(source: Path, manuscript: Path, *, force: bool = False) -> list[Path]:
    """Write one chapter file per section (and book.yaml if missing); returns the files written."""
    try:
        imported = parse_text(source.read_text(encoding="utf-8-sig"))
    except ImportError_ as exc:
        raise BookforgeError([Diagnostic("import-layout", str(exc), Location(str(source)))]) from None
    except UnicodeDecodeError:
        raise BookforgeError([Diagnostic("not-utf8", "the file is not UTF-8 text", Location(str(source)))]) from None
    manuscript.mkdir(parents=True, exist_ok=True)
    planned = {manuscript / f"{file_stem(n, c.short_title or c.title)}.yaml": chapter_yaml(c, SCHEMA_REF + CHAPTER_SCHEMA)
               for n, c in enumerate(imported.chapters, 1)}
    existing = [path for path in planned if path.exists()]
    if existing and not force:
        raise BookforgeError([Diagnostic("file-exists", "would overwrite an existing chapter file",
                                         Location(str(path)), "use --force to replace it") for path in existing])
    book_file = manuscript / "book.yaml"
    if not book_file.exists():
        planned[book_file] = starter_book_yaml(imported, [p.name for p in planned])
    for path, text in planned.items():  # through no link, as every imported file (bookforge.files)
        try:
            write_inside(manuscript.parent, path.relative_to(manuscript.parent), text.encode("utf-8"), replace=force)
        except Refused as exc:
            raise BookforgeError([write_refusal(path, exc.detail or exc.kind)]) from None
    return list(planned)


def starter_book_yaml(imported: ImportedBook, chapter_files: list[str]) -> str:
    data = {
        "metadata": {"title": imported.title, "creators": [{"name": "Unknown Author"}], "language": "en",
                     "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, imported.title)}",
                     **({"description": imported.description} if imported.description else {})},
        "contents": ["title-page", "copyright-page", "table-of-contents",
                     *({"chapter": name} for name in chapter_files)],
        # Each edition its own identifier until the author has ISBNs (a made-up ISBN would be refused).
        "editions": {name: {"format": fmt, "layout": layout,
                            "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, imported.title + '/' + name)}"}
                     for name, fmt, layout in (("ebook", "epub", "ebook"), ("paperback", "pdf", "print"))},
    }
    return f"# yaml-language-server: $schema={SCHEMA_REF}{BOOK_SCHEMA}\n{_dump(data)}"
