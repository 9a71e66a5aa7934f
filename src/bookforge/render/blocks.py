"""HTML for the prose vocabulary (manuscript/prose.py parses it), and where a part's footnotes go.

A part's texts are rendered one by one (its text, each entry's fields), but its notes are numbered through the
part, and where their text goes depends on the edition: at the foot of the printed page (`float: footnote`, the
note's text where its reference is), or gathered for the end of the chapter or of the book (the EPUB's pop-up
notes, printed endnotes). `scope()` sets that up around a part's rendering; it is a context variable because an
entry's fields are rendered one `markup.prose()` call at a time by code that knows nothing of parts.
"""

from __future__ import annotations

import contextlib
import contextvars
import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from bookforge.layout.direction import text_direction
from bookforge.manuscript.prose import SAFE_LINK

_BLOCK_TAGS = re.compile(r"<(/?)(p|ul|ol|li|blockquote|dl|dt|dd|div)\b([^>]*)>")


@dataclass
class Note:
    number: int
    id: str
    ref: str
    """The id of the first reference, for the back link."""
    html: str
    part: str = ""
    """The id of the part the reference is in."""
    href: str = ""
    """Where the reference is, for the back link (`#ref` or `chapter.xhtml#ref`)."""


@dataclass
class Scope:
    """Where a part's notes go, and the images its prose shows."""

    prefix: str = "note"
    """Makes ids unique in the book: the part's id."""
    mode: str = "footnotes"
    """The layout setting `notes`: `footnotes` (at the foot of the page; in an ebook, pop-up notes at the chapter's
    end), `chapter-end` or `book-end`."""
    paged: bool = False
    """Print: `footnotes` float to the foot of the page."""
    images: Mapping[str, str] = field(default_factory=dict)
    """A figure's `src` -> its path in the book."""
    notes_href: str = ""
    """The document the notes are in when it is not this one (an ebook's notes at the end of the book)."""
    part_href: str = ""
    """This part's document, for back links from another document."""
    notes: list[Note] = field(default_factory=list)
    """The notes gathered for the end of the chapter or book (not those that float to the page's foot)."""
    count: int = 0
    """Notes numbered so far."""
    standalone: bool = False
    """No part set a scope: the notes follow the text they belong to."""

    @property
    def floating(self) -> bool:
        return self.paged and self.mode == "footnotes"

    def trailing(self) -> str:
        """The notes of a text rendered on its own, after it."""
        if not self.standalone or not self.notes:
            return ""
        return "\n" + "".join(note_aside(note) for note in self.notes)


_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("bookforge_notes_scope", default=None)


@contextlib.contextmanager
def scope(**settings) -> Iterator[Scope]:
    """Render a part's texts inside: their notes are numbered together and gathered in the scope."""
    current = Scope(**settings)
    token = _SCOPE.set(current)
    try:
        yield current
    finally:
        _SCOPE.reset(token)


@contextlib.contextmanager
def text_scope() -> Iterator[Scope]:
    """The part's scope, or one of a text's own when no part set one."""
    current = _SCOPE.get()
    if current is not None:
        yield current
        return
    with scope(standalone=True) as own:
        yield own


def note_aside(note: Note) -> str:
    """A footnote as EPUB reading systems show it in a pop-up: an aside with a link back."""
    return (f'<aside id="{note.id}" class="footnote" epub:type="footnote" role="doc-footnote">'
            f"{note.html}</aside>\n")


def add_render_rules(md: MarkdownIt) -> None:
    md.add_render_rule("hr", _scene_break)
    md.add_render_rule("footnote_ref", _note_ref)
    md.add_render_rule("figure_open", _figure_open)
    md.add_render_rule("image", _image)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    md.add_render_rule("bookforge_block_open", _block_open)
    md.add_render_rule("span_open", _span_open)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("paragraph_open", _paragraph_open)
    md.add_render_rule("paragraph_close", _paragraph_close)
    md.add_render_rule("hardbreak", _hardbreak)
    for name in ("verse_line_open", "verse_line_close", "verse_break"):
        md.add_render_rule(name, _inline_token)


LEADS_TO = ("blockquote_open", "table_open", "bookforge_block_open")
"""What a paragraph ending in a colon introduces: a quotation, a table, verse."""


def _paragraph_open(self, tokens, idx, options, env) -> str:
    """A paragraph ending in a colon just before what it introduces is its lead-in (print keeps the two on one
    page). A quoted paragraph of hard-broken lines is verse: each line its own, turnovers hanging, none justified."""
    token, inline = tokens[idx], tokens[idx + 1]
    if token.hidden or inline.type != "inline":
        return self.renderToken(tokens, idx, options, env)
    following = tokens[idx + 3] if idx + 3 < len(tokens) else None
    if following is not None and following.type in LEADS_TO and inline.content.rstrip().endswith(":"):
        token.attrJoin("class", "lead-in")
    breaks = [child for child in inline.children or () if child.type == "hardbreak"]
    if breaks and _quoted(tokens, idx) and all(_at_top(inline.children, child) for child in breaks):
        token.attrJoin("class", "lines")
        for child in breaks:
            child.meta["line"] = True
        tokens[idx + 2].meta["lines"] = True
        return self.renderToken(tokens, idx, options, env) + '<span class="line">'
    return self.renderToken(tokens, idx, options, env)


def _paragraph_close(self, tokens, idx, options, env) -> str:
    return ("</span>" if tokens[idx].meta.get("lines") else "") + self.renderToken(tokens, idx, options, env)


def _hardbreak(self, tokens, idx, options, env) -> str:
    if tokens[idx].meta.get("line"):
        return '</span>\n<span class="line">'
    return "<br />\n" if options.xhtmlOut else "<br>\n"  # markdown-it's own rule


def _quoted(tokens, idx: int) -> bool:
    """Inside a quotation: one of the blocks that hold the token at `idx` is a blockquote (walked back through its
    parents only, so that a long chapter is not read again for each of its paragraphs)."""
    level = tokens[idx].level
    for token in (tokens[i] for i in range(idx - 1, -1, -1)):
        if level == 0:
            break
        if token.nesting == 1 and token.level < level:
            if token.type == "blockquote_open":
                return True
            level = token.level
    return False


def _at_top(children, child) -> bool:
    """Not inside an emphasis or a link, so that a line's span closes where it opened."""
    return sum(c.nesting for c in children[:children.index(child)]) == 0


def _scene_break(self, tokens, idx, options, env) -> str:
    return '<hr class="scene-break"/>\n'


def _inline_token(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    rendered = self.renderToken(tokens, idx, options, env).rstrip("\n")
    return rendered + ("\n" if token.type == "verse_break" else "")


def _heading(self, tokens, idx, options, env) -> str:
    """Headings in prose are subheadings under the chapter's title (h1): the text's highest level (`#`, or `##` in
    a Markdown file whose `#` is its title) is h2, the next h3, and so on, so that no level is skipped."""
    token = tokens[idx]
    if "top_heading" not in env:
        env["top_heading"] = min(int(t.tag[1]) for t in tokens if t.type == "heading_open")
    level = min(int(token.tag[1]) - env["top_heading"] + 2, 4)
    if token.nesting == 1:
        return f'<h{level} class="subhead">'
    return f"</h{level}>\n"


def _language(attrs: Mapping[str, object]) -> str:
    language = attrs.get("lang")
    if not language:
        return ""
    direction = ' dir="rtl"' if text_direction(str(language)) == "rtl" else ""
    language = html.escape(str(language), quote=True)
    return f' lang="{language}" xml:lang="{language}"{direction}'


def _block_open(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    language = _language(token.meta.get("attrs", {}))
    if token.info == "verse":
        return f'<div class="verse"{language}>\n'
    if token.info == "epigraph":
        return f'<blockquote class="epigraph" epub:type="epigraph" role="doc-epigraph"{language}>\n'
    return f'<div class="passage"{language}>\n'


def _span_open(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    classes = token.attrGet("class")
    attributes = f' class="{html.escape(str(classes), quote=True)}"' if classes else ""
    return f"<span{attributes}{_language(token.attrs)}>"


def _link_open(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    if not SAFE_LINK.match(href):  # refused at load; never written
        token.attrs.pop("href", None)
    return self.renderToken(tokens, idx, options, env)


def _figure_open(self, tokens, idx, options, env) -> str:
    image = tokens[idx].meta["image"]
    decorative = "decorative" in str(image.attrGet("class") or "").split()
    return f'<figure class="figure{" decorative" if decorative else ""}">\n'


def _image(self, tokens, idx, options, env) -> str:
    """A figure's image (an image stands only in a paragraph of its own) and its caption."""
    token = tokens[idx]
    current = env.get("scope") or Scope()
    src = str(token.attrGet("src") or "")
    decorative = "decorative" in str(token.attrGet("class") or "").split()
    alt = "" if decorative else self.renderInlineAsText(token.children or [], options, env)
    path = html.escape(current.images.get(src, src), quote=True)
    role = ' role="presentation"' if decorative else ""
    result = f'<img src="{path}" alt="{html.escape(alt, quote=True)}"{role}/>'
    title = token.attrGet("title")
    if title:
        caption = env["md"].renderInline(str(title), {"inline": True}) if "md" in env else html.escape(str(title))
        result += f"\n<figcaption>{caption.strip()}</figcaption>"
    return result + "\n"


def _as_span(match: re.Match) -> str:
    """A block element of a note that floats to the foot of the page, which must be inline where it is written."""
    return "</span>" if match[1] else f'<span class="note-{match[2]}">'


def _note_ref(self, tokens, idx, options, env) -> str:
    label = tokens[idx].meta["label"]
    definitions = env.get("notes", {})
    current = env.get("scope")
    if label not in definitions or current is None or env.get("inline"):
        return html.escape(f"[^{label}]")  # a title's, or undefined (refused at load): as written
    numbers = env.setdefault("numbers", {})
    if label in numbers:  # the same note referred to again: a plain link to it
        note = numbers[label]
        return (f'<a class="noteref" href="{current.notes_href}#{note.id}" epub:type="noteref" '
                f'role="doc-noteref">{note.number}</a>')
    current.count += 1
    number = current.count
    note = Note(number, f"{current.prefix}-note-{number}", f"{current.prefix}-noteref-{number}", "",
                current.prefix, f"{current.part_href}#{current.prefix}-noteref-{number}")
    numbers[label] = note
    body = self.render(definitions[label], options, env).strip()
    if current.floating:
        body = _BLOCK_TAGS.sub(_as_span, body)
        # The empty anchor marks the reference's page (print/notes.py checks the note is printed there).
        return (f'<span class="noteref-anchor" id="{note.ref}"></span><span class="footnote" id="{note.id}" '
                f'data-note="{number}">{body}</span>')
    back = (f'<a class="note-number" href="{note.href if current.notes_href else "#" + note.ref}" '
            f'role="doc-backlink">{number}</a>\u00a0')
    note.html = body.replace("<p>", "<p>" + back, 1) if body.startswith("<p>") else f"<p>{back}</p>{body}"
    current.notes.append(note)
    return (f'<a class="noteref" id="{note.ref}" href="{current.notes_href}#{note.id}" epub:type="noteref" '
            f'role="doc-noteref">{number}</a>')
