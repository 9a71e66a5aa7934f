"""What templates see of the book and of its parts beyond the entries: metadata as a publisher prints it (credits,
series, ISBNs), front and back matter with their semantics, parts of the book, a chapter's prose and notes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup
from stdnum import isbn

from bookforge.layout import language
from bookforge.layout.direction import text_direction
from bookforge.manuscript import load
from bookforge.manuscript.labels import fill
from bookforge.manuscript.model import Book, Chapter, ImageFile, Part, reading_text
from bookforge.render import blocks, markup
from bookforge.render.entries import EntryViews

SEMANTICS = {
    # part kind (or a plain file's role) -> (epub:type, ARIA role); "" where the vocabularies have none
    "title-page": ("titlepage", ""),
    "copyright-page": ("copyright-page", ""),
    "table-of-contents": ("toc", "doc-toc"),
    "half-title": ("halftitlepage", ""),
    "also-by": ("", ""),
    "dedication": ("dedication", "doc-dedication"),
    "epigraph": ("", ""),  # the page holds an epigraph block, which has the semantics
    "foreword": ("foreword", "doc-foreword"),
    "preface": ("preface", "doc-preface"),
    "introduction": ("introduction", "doc-introduction"),
    "prologue": ("prologue", "doc-prologue"),
    "epilogue": ("epilogue", "doc-epilogue"),
    "afterword": ("afterword", "doc-afterword"),
    "acknowledgements": ("acknowledgments", "doc-acknowledgments"),
    "about-the-author": ("", ""),
    "colophon": ("colophon", "doc-colophon"),
    "part": ("part", "doc-part"),
    "endnotes": ("endnotes", "doc-endnotes"),
    "front": ("preface", "doc-preface"),
    "body": ("chapter", "doc-chapter"),
    "back": ("afterword", "doc-afterword"),
}
NOTES_ID = load.NOTES_ID
"""The id of the notes at the end of the book (layout setting `notes: book-end`); no part has it."""


def semantics(part: Part) -> tuple[str, str]:
    return SEMANTICS[part.role if part.kind == "chapter" else part.kind]


def has_notes(book: Book) -> bool:
    """Whether any text of the book refers to a footnote (`[^...]`)."""
    chapters = [*book.chapters, *(part.chapter for extra in book.extras.values() for part in extra if part.chapter)]
    for chapter in chapters:
        texts = chapter.prose_texts() + [text for entry in chapter.typed_entries for text in reading_text(entry)]
        if any("[^" in text for text in texts):
            return True
    return False


TIE_LIMIT = 18
"""Letters in the last two words of a title, at most, for them to be tied (longer ones may need to break)."""


def tie_last_words(html: str) -> Markup:
    """The title's last two words joined by a no-break space, so that no line holds its last word alone (WeasyPrint
    70 has no `text-wrap: balance`); a title of two words, or whose last two are long, is left free to break."""
    pieces = re.split(r"(<[^>]*>)", str(html))
    text = "".join(piece for piece in pieces if not piece.startswith("<"))
    words = text.split()
    space = re.search(r" (?=\S+\s*$)", text)
    if len(words) < 3 or len(words[-2]) + len(words[-1]) > TIE_LIMIT or space is None:
        return Markup(html)
    at = space.start()
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            continue
        if at < len(piece):
            pieces[index] = piece[:at] + "\u00a0" + piece[at + 1:]
            break
        at -= len(piece)
    return Markup("".join(pieces))


def default_title(kind: str, labels: Mapping[str, str]) -> str:
    """The heading of front and back matter whose file gives no `title`."""
    return labels.get(kind.replace("-", "_"), kind)


PRINT_KINDS = {"print": "edition_paperback", "large-print": "edition_large_print", "pocket": "edition_pocket"}
"""The label of the kind of print edition each of bookforge's own print layouts makes."""


def _kind(book: Book, name: str, labels: Mapping[str, str]) -> str:
    """What the copyright page calls edition `name` beside its ISBN: its `edition_title`, else its kind in the book's
    language (ebook, Kobo ebook, and for print the kind made by the bookforge layout its layout is or extends, or
    "print edition"), never the edition's name in book.yaml."""
    edition = book.editions[name]
    if edition.edition_title:
        return markup.plain(edition.edition_title, book.metadata.language)
    if edition.format != "pdf":
        return labels["edition_kobo" if edition.format == "kepub" else "edition_ebook"]
    chain = [layer.rsplit("/", 1)[-1] for layer in book.edition_layouts.get(name, (edition.layout,))]
    return labels[next((PRINT_KINDS[layer] for layer in chain if layer in PRINT_KINDS), "edition_print")]


def book_view(book: Book, edition_name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The book's metadata as templates see it: inline Markdown rendered, typography applied; the creators as a
    publisher shows them (authors on the cover, "Illustrated by ..." on the title page); each edition's ISBN."""
    meta, lang = book.metadata, book.metadata.language
    labels = labels or language.labels_for(lang, book.labels)
    edition = book.editions[edition_name]
    authors = [c for c in meta.creators if c.role == "author"]
    main = authors or [c for c in meta.creators if c.role == meta.creators[0].role]
    credits = []
    for role in dict.fromkeys(c.role for c in meta.creators if c not in main):
        names = [markup.plain(c.name, lang) for c in meta.creators if c.role == role and c not in main]
        credits.append({"role": role, "text": fill(labels[f"credit_{role}"], names=language.names(names, lang))})
    series = None
    if meta.series:
        name = markup.plain(meta.series.name, lang)
        number = language.number(meta.series.number, lang) if meta.series.number else None
        line = fill(labels["series_number"], series=name, number=number) if number else name
        series = {"name": name, "number": meta.series.number, "line": line}
    isbns = [{"number": isbn.format(other.identifier[len("urn:isbn:"):]), "edition": _kind(book, name, labels),
              "current": name == edition_name}
             for name, other in book.editions.items() if other.identifier.lower().startswith("urn:isbn:")]
    first_author = markup.plain(main[0].name, lang)
    groups: dict[str | None, list] = {}
    for other in meta.also_by:
        groups.setdefault(markup.plain(other.series, lang) if other.series else None, []).append(
            {"title": Markup(markup.inline(other.title, lang)), "url": other.url})
    return {
        "title": Markup(markup.inline(meta.title, lang)),
        "subtitle": Markup(markup.inline(meta.subtitle, lang)) if meta.subtitle else None,
        "creators": [{"name": markup.plain(c.name, lang), "role": c.role} for c in meta.creators],
        "main_creators": [{"name": markup.plain(c.name, lang), "role": c.role} for c in main],
        "credits": credits,
        "series": series,
        "isbns": isbns,
        "also_by_groups": [{"series": series_name, "books": books} for series_name, books in groups.items()],
        "also_by_title": fill(labels["also_by"], author=first_author),
        "language": lang, "direction": text_direction(lang),
        "publisher": markup.plain(meta.publisher, lang) if meta.publisher else None,
        "date": meta.date,
        "date_text": language.date(meta.date, lang) if meta.date else None,
        # The day or month of publication, where the year alone is not all the book says.
        "published": fill(labels["published"], date=language.date(meta.date, lang)) if len(meta.date or "") > 4
        else None,
        "year": language.date(meta.date[:4], lang) if meta.date else "",
        "rights": Markup(markup.inline(meta.rights, lang)) if meta.rights else None,
        "description": Markup(markup.prose(meta.description, lang)) if meta.description else None,
        "identifier": edition.identifier,
        "edition": edition_name,
        "edition_title": Markup(markup.inline(edition.edition_title, lang)) if edition.edition_title else None,
    }


def chapter_content(part: Part, chapter: Chapter, view: dict[str, Any], lang: str, labels: Mapping[str, str],
                    images: Mapping[str, ImageFile], notes: str, entry_views: EntryViews) -> dict[str, Any]:
    """A chapter's title, prose and entries in reading order (`blocks`; the entries made by `entry_views` from their
    types' declarations), the lines it adds to the contents, its notes numbered through all its texts and put where
    the layout's `notes` setting says."""
    title = chapter.title or default_title(part.kind, labels)
    plain_title = markup.plain(title, lang)
    if part.label:
        plain_title = f"{markup.plain(part.label, lang)}: {plain_title}"
    single_document = not view["href"].endswith(".xhtml")
    notes_elsewhere = notes == "book-end" and not single_document
    with blocks.scope(prefix=part.id, mode=notes, paged=single_document,
                      images={src: image.path for src, image in images.items()},
                      notes_href=f"{NOTES_ID}.xhtml" if notes_elsewhere else "",
                      part_href=view["href"] if notes_elsewhere else "") as scope:
        content: dict[str, Any] = {
            "title": Markup(markup.heading(title, lang)),
            "title_text": plain_title,
            "running_head": markup.plain(chapter.short_title or title, lang),
            "label": Markup(markup.inline(part.label, lang)) if part.label else None,
            "introduction": Markup(markup.prose(chapter.introduction, lang)) if chapter.introduction else None,
            "text": Markup(markup.prose(_quoted(chapter.text) if part.kind == "epigraph" else chapter.text, lang))
            if chapter.text else None,
            "store_links": not single_document,
        }
        content["entries"], content["contents"], content["blocks"] = entry_views.chapter(part)
    gathered = [{**vars(note), "html": Markup(note.html)} for note in scope.notes]
    content["notes"] = [] if notes == "book-end" else gathered
    content["notes_mode"] = notes
    content["book_notes"] = gathered if notes == "book-end" else []
    return content


def _quoted(text: str) -> str:
    """The book's epigraph page is an epigraph block, whose last line, if it starts with `—`, is its source."""
    return text if text.lstrip().startswith(":::") else f"::: epigraph\n{text}\n:::"


def book_notes_view(parts: list[dict[str, Any]], labels: Mapping[str, str], single_document: bool) -> dict[str, Any]:
    """The notes of every chapter, under each chapter's title, as one part at the end of the main matter."""
    ident = NOTES_ID
    groups = [{"title_text": p["title_text"], "href": p["href"], "notes": p["book_notes"]}
              for p in parts if p.get("book_notes")]
    kind = "endnotes"
    epub_type, aria_role = SEMANTICS[kind]
    return {"id": ident, "kind": kind, "role": "back", "template": "endnotes.html", "epub_type": epub_type,
            "aria_role": aria_role, "href": f"#{ident}" if single_document else f"{ident}.xhtml",
            "title_text": labels["notes"], "title": Markup(labels["notes"]), "entries": [], "in_toc": True,
            "division": None, "classes": " endnotes", "groups": groups, "running_head": labels["notes"]}
