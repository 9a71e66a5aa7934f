"""The one converter every source goes through: documents (X)HTML trees -> chapters of Markdown prose, notes moved
to their references, images checked and named for assets/, everything simplified reported at its place."""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.importing.entries import EntryShapes, ImportedEntry, note_labels
from bookforge.importing.images import ImageStore
from bookforge.importing.markdown_out import Prose
from bookforge.importing.markup import escape
from bookforge.importing.model import (
    ImportedBook,
    ImportedChapter,
    SourceBook,
    SourceDocument,
    notice,
)
from bookforge.importing.tree import (
    TEXT_ITEM,
    chapter_headings,
    classes,
    epub_types,
    flattened,
    kind_of,
    tag,
    where,
)
from bookforge.manuscript.contents import UNTITLED_MATTER

NOTE_TYPES = {"footnote", "endnote", "rearnote", "note"}
_WORD_PROCESSOR_NOTE = re.compile(r"^(footnote|endnote)-\d+$")
_MARKUP = re.compile(r"\\(.)|\[\^\d+\]:?|\]\{[^}]*\}|\]\([^)]*\)|^:::.*$|[*\[\]]", re.MULTILINE)
_WORD = re.compile(r"\w")


class Converter:
    """One conversion of a SourceBook: what every document's prose writer asks (notes, links, images, tables), and
    the chapters it makes; counts and notices gathered on the way."""

    def __init__(self, source: SourceBook, shapes: EntryShapes | None = None):
        self.source, self.shapes = source, shapes
        self.counts: Counter[str] = Counter()
        self.notices: list[Diagnostic] = list(source.notices)
        self.errors: list[Diagnostic] = []
        self.images = ImageStore(source.read_image, self.errors)
        self.level_offset = 1
        self.language = str(source.metadata.get("language") or "") or None
        """The book's language: a block in another one is marked `::: {lang=..}`."""
        self.notes: dict[tuple[str, str], etree._Element] = {}
        self.used_notes: set[tuple[str, str]] = set()
        self._paths = {_inner(doc.name): doc.name for doc in source.documents}
        for doc in source.documents:
            for element in doc.body.iter():
                ident = element.get("id") if isinstance(element.tag, str) else None
                if ident and (epub_types(element) & NOTE_TYPES or "footnote-item" in classes(element)
                              or tag(element) == "li" and _WORD_PROCESSOR_NOTE.match(ident)):
                    self.notes[(doc.name, ident)] = element
        self.references = {(doc.name, link.get("id")) for doc in source.documents for link in doc.body.iter("a")
                           if link.get("id") and self.note_target(doc.name, link) is not None}
        """Where the notes are referred to: a link back to one of these is a note's back link."""

    # --- what the prose writer asks ----------------------------------------------------------------------------

    def report(self, document: str, element: etree._Element, message: str, hint: str | None = None) -> None:
        self.notices.append(notice(message, *where(document, element), hint=hint))

    def target(self, document: str, link: etree._Element) -> tuple[str, str] | None:
        """(document, id) a link points to inside the book."""
        href = link.get("href") or ""
        if "#" not in href:
            return None
        path, fragment = href.split("#", 1)
        name = document if not path else self._paths.get(
            posixpath.normpath(posixpath.join(posixpath.dirname(_inner(document)), path)))
        return (name or "", fragment)

    def note_target(self, document: str, link: etree._Element) -> tuple[str, str] | None:
        key = self.target(document, link)
        return key if key in self.notes else None

    def is_back_link(self, document: str, link: etree._Element) -> bool:
        return self.target(document, link) in self.references

    def is_note(self, document: str, element: etree._Element) -> bool:
        if self.notes.get((document, element.get("id") or "")) is element:
            return True
        items = [child for child in element if isinstance(child.tag, str)]
        return tag(element) in ("ol", "ul", "section", "div", "aside") and bool(items) and all(
            self.notes.get((document, child.get("id") or "")) is child for child in items)

    def foreign(self, language: str) -> bool:
        """Whether a passage's language is another than the book's (`en` in an `en-GB` book is not)."""
        return self.language is None or language.split("-")[0].lower() != self.language.split("-")[0].lower()

    def take_note(self, key: tuple[str, str]) -> etree._Element:
        self.used_notes.add(key)
        return self.notes[key]

    def image(self, prose: Prose, element: etree._Element, caption: str) -> str:
        written = self.images.figure(prose, element, caption)
        self.counts["images"] += bool(written)
        return written

    def table(self, prose: Prose, element: etree._Element) -> list[str]:
        rows = [row for row in element.iter("tr")]
        if not rows:
            return []
        written = []
        for row in rows:
            cells = []
            for cell in row:
                if not isinstance(cell.tag, str) or tag(cell) not in ("td", "th"):
                    continue
                if cell.get("colspan") not in (None, "1") or cell.get("rowspan") not in (None, "1"):
                    prose.report(cell, "a table cell spanning several columns or rows was set in one")
                blocks = prose.nested_blocks(cell)
                if len(blocks) > 1:
                    prose.report(cell, "a table cell's paragraphs were run into one")
                cells.append(" ".join(" ".join(blocks).split()).replace("\\\n", " ") or "\u00a0")
            written.append(cells)
        width = max(len(cells) for cells in written)
        lines = [f"| {' | '.join(cells + [' '] * (width - len(cells)))} |" for cells in written]
        lines.insert(1, "|" + " --- |" * width)
        caption = element.find("caption")
        result = [f"Table: {prose.inline(caption, line=True).strip()}"] if caption is not None else []
        return result + ["\n".join(lines)]

    # --- chapters ----------------------------------------------------------------------------------------------

    def chapters(self) -> list[ImportedChapter]:
        pieces: list[_Piece] = []
        notes_documents: list[SourceDocument] = []
        for doc in self.source.documents:
            if doc.kind == "skip":
                self.notices.append(notice("this page was left out: bookforge makes its own title page, copyright "
                                           "page and contents", doc.name))
            elif doc.kind == "notes":
                notes_documents.append(doc)
            elif pieces and pieces[-1].kind in (None, "chapter") and self._continues(doc):
                pieces[-1].continued.append((doc, list(flattened(doc.body, set()))))
            else:
                pieces.extend(self.document_pieces(doc))
        result = [self.chapter(piece) for piece in pieces]
        for doc in notes_documents:  # after every reference has taken its note: what is left stays as back matter
            self.notices.append(notice("the notes' page was left out: each note moved to its reference, and the "
                                       "layout's `notes` setting places them", doc.name))
            left = [element for key, element in self.notes.items() if key[0] == doc.name and key not in self.used_notes]
            for element in left:
                self.report(doc.name, element, "this note is never referred to: it was kept in a back-matter chapter")
            if left:
                prose = Prose(self, doc.name, [])
                text = "\n\n".join(block for element in left for block in prose.blocks(prose.children(element)))
                result.append(ImportedChapter("backmatter", doc.title or "Notes", text, doc.name))
        return result

    @staticmethod
    def _continues(doc: SourceDocument) -> bool:
        """A document with no heading, no title in the table of contents and no type of its own goes on with the
        chapter before it (a converter split a long chapter into several files)."""
        return doc.kind is None and doc.title is None and doc.split_level is None and \
            not chapter_headings(doc.body, None)[1]

    def document_pieces(self, doc: SourceDocument) -> list[_Piece]:
        level, headings = chapter_headings(doc.body, doc.split_level)
        if doc.split_level is None and len(headings) <= 1:
            heading = headings[0] if headings else None
            return [_Piece(doc, heading, list(_without(doc.body, heading)), doc.kind, level)]
        pieces = [_Piece(doc, None, [], None, level)]
        heading_set = set(headings)
        for item in flattened(doc.body, heading_set):
            if item in heading_set:
                kind = kind_of(epub_types(item) | set((item.get("data-kind") or "").split()))
                pieces.append(_Piece(doc, item, [], kind or doc.kind, level))
            else:
                pieces[-1].items.append(item)
        if any(tag(i) != TEXT_ITEM or i.text.strip() for i in pieces[0].items):
            pieces[0].kind = doc.kind or ("frontmatter" if doc.split_level else None)
        else:
            pieces.pop(0)
        return pieces

    def chapter(self, piece: _Piece) -> ImportedChapter:
        doc, heading, items, kind = piece.doc, piece.heading, piece.items, piece.kind or "chapter"
        self.level_offset = (piece.level or 1) - 1
        title = label = None
        if heading is not None:
            self.counts["headings"] += 1
            title = Prose(self, doc.name, None).heading(heading) or None
            parts = [child for child in heading if isinstance(child.tag, str) and "".join(child.itertext()).strip()]
            if kind == "part" and tag(heading) == "hgroup" and len(parts) > 1:  # `Part I` over `The Crossing`
                label = Prose(self, doc.name, None).heading(parts[0])
                title = ": ".join(Prose(self, doc.name, None).heading(part) for part in parts[1:])
        if title is None and doc.title and kind not in UNTITLED_MATTER:
            title = escape(doc.title)
        elif title is None and kind in ("frontmatter", "backmatter"):
            title = "Untitled"
            self.notices.append(notice("text before the first chapter's heading became front matter titled "
                                       "`Untitled`", *where(doc.name, items[0]) if items else (doc.name,),
                                       hint="give it a title, or make it a `dedication:` or `foreword:` in book.yaml"))
        elif title is None and kind not in UNTITLED_MATTER:
            title = f"Chapter {self.counts['chapters'] + 1}"
        notes: list[str] = []
        prose = Prose(self, doc.name, notes)
        blocks = prose.blocks(items)
        for more_doc, more in piece.continued:
            prose.document = more_doc.name
            blocks += prose.blocks(more, at_head=False)
        if self.shapes is not None:
            blocks = self.shapes.from_headed_sections(blocks)
        self.counts["chapters"] += kind != "part"
        self.counts["words"] += sum(_words(text) for block in [title or "", *blocks, *notes]
                                    for text in ([block] if isinstance(block, str) else dict(block.fields).values()))
        if not any(isinstance(block, ImportedEntry) for block in blocks):
            return ImportedChapter(kind, title, "\n\n".join(blocks + notes), doc.name, label=label)
        self.counts["entries"] += sum(isinstance(block, ImportedEntry) for block in blocks)
        return ImportedChapter(kind, title, "", doc.name, tuple(self._entries(blocks, notes)))

    def _entries(self, blocks: list, notes: list[str]) -> list[dict[str, str]]:
        """Runs of prose (`- text:`) and typed entries, each text with the notes it refers to."""
        definitions = {note.split("]", 1)[0][2:]: note for note in notes}
        entries: list[dict[str, str]] = []
        for block in blocks:
            if isinstance(block, ImportedEntry):
                entries.append({"type": self.shapes.type_name, **{name: _with_notes(value, definitions)
                                                                   for name, value in block.fields}})
            elif entries and set(entries[-1]) == {"text"}:
                entries[-1]["text"] = _with_notes(f"{entries[-1]['text']}\n\n{block}", definitions)
            else:
                entries.append({"text": _with_notes(block, definitions)})
        return entries


@dataclass
class _Piece:
    """A chapter to be: where it starts (a document, its heading), its items, and the documents that go on with it."""

    doc: SourceDocument
    heading: etree._Element | None
    items: list[etree._Element]
    kind: str | None
    level: int | None
    """The document's chapter heading level: deeper headings are the chapter's subheadings."""
    continued: list[tuple[SourceDocument, list[etree._Element]]] = field(default_factory=list)


def convert(source: SourceBook, entry_type: str | None = None) -> ImportedBook:
    converter = Converter(source, EntryShapes(entry_type) if entry_type else None)
    chapters = converter.chapters()
    if converter.errors:
        raise BookforgeError(converter.errors)
    if not chapters:
        raise BookforgeError([Diagnostic("import-source", "the source has no text to import",
                                         Location(source.documents[0].name if source.documents else "the source"))])
    metadata = dict(source.metadata)
    if source.cover is not None:
        metadata["cover_image"] = source.cover
    types = converter.shapes.declaration() if converter.counts["entries"] else None
    return ImportedBook(metadata, tuple(chapters), converter.images.imported(), tuple(converter.notices),
                        dict(converter.counts), types)


def _words(markdown: str) -> int:
    """The words a reader reads in Markdown: its markup, note labels, image paths and ornaments not counted."""
    return sum(1 for word in _MARKUP.sub(lambda m: m[1] or " ", markdown).split() if _WORD.search(word))


def _with_notes(text: str, definitions: dict[str, str]) -> str:
    """A text with the definitions of the notes it refers to after it (a note belongs to the text that cites it)."""
    cited = [definitions.pop(label) for label in dict.fromkeys(note_labels(text)) if label in definitions]
    return "\n\n".join([text, *cited])


def _inner(name: str) -> str:
    return name.split("!", 1)[1] if "!" in name else name


def _without(body: etree._Element, heading: etree._Element | None):
    """The body's items with the chapter's heading (and a header left empty by it) taken out."""
    if heading is not None:
        parent = heading.getparent()
        _remove_keeping_tail(heading)
        if parent is not None and tag(parent) == "header" and not len(parent) and not (parent.text or "").strip():
            _remove_keeping_tail(parent)
    return flattened(body, set())


def _remove_keeping_tail(element: etree._Element) -> None:
    parent, tail = element.getparent(), element.tail
    if parent is None:
        return
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
