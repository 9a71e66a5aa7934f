"""Markdown as bookforge reads it: the vocabulary of prose (scene breaks, footnotes, verse, quotations, epigraphs,
lists, definition lists, tables, figures, a passage's language, small capitals), one parser set up the same way
to check a text at load and to render it; and what is wrong in a text, found before anything is built."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attrs
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from bookforge.errors import did_you_mean

SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
SPAN_CLASSES = {
    "smallcaps": "small capitals, e.g. a name as a letter signs it, or a shop sign",
    "caps": "letter-spaced capitals, e.g. an inscription",
    "nobreak": "kept on one line, e.g. a date or a number with its unit",
}
"""The classes a `[text]{.class}` span may have; each layout styles them."""
IMAGE_CLASSES = {"decorative": "an ornament: readers skip it and it needs no alt text"}
BLOCKS = {
    "verse": "lines of verse: each line kept, a blank line between stanzas, leading spaces indent a line",
    "epigraph": "an epigraph, at a chapter's head; a last line starting with `—` is its source",
}
"""Named blocks, written `::: verse` ... `:::`; `::: {lang=fr}` gives any block a language."""
ATTRIBUTION = ("—", "―", "--")
"""A quotation's or epigraph's last paragraph that starts with one of these is its attribution."""
TABLE_CAPTION = re.compile(r"^Table:\s*")

_OPEN = re.compile(r"^(:{3,})[ \t]*(?P<name>[A-Za-z][\w-]*)?[ \t]*(?P<attrs>\{.*\})?[ \t]*$")
_CLOSE = re.compile(r"^:{3,}[ \t]*$")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a text, with what to look for in the author's file to locate it."""

    code: str
    message: str
    hint: str | None
    snippet: str


@dataclass(frozen=True)
class ProseImage:
    """A figure written in prose: `![alt](src "caption")` alone in its paragraph."""

    src: str
    alt: str
    caption: str | None
    decorative: bool
    snippet: str


def configure(md: MarkdownIt) -> MarkdownIt:
    """The prose vocabulary on a CommonMark parser with raw HTML off; the render stage adds typography and HTML."""
    md.disable(["lheading", "code", "fence", "html_block", "html_inline", "backticks"], ignoreInvalid=True)
    md.enable(["hr", "table", "image", "heading"])
    md.validateLink = lambda url: bool(SAFE_LINK.match(url.strip()) or _relative(url))
    footnote_plugin(md, inline=False, move_to_end=False, always_match_refs=True)
    attrs_plugin(md, after=("image",), spans=True, allowed=("class", "lang"))
    deflist_plugin(md)
    md.block.ruler.before("fence", "bookforge_block", _block, {"alt": ["paragraph", "reference", "blockquote", "list"]})
    # Last, after typography: notes are taken out of the flow, figures and captions made from paragraphs.
    md.core.ruler.push("bookforge_notes", _notes)
    md.core.ruler.push("bookforge_shapes", _shapes)
    return md


def _relative(url: str) -> bool:
    """A file of the project (an image); links to such are refused at load."""
    return bool(re.fullmatch(r"[^\s:?#]+", url.strip()))


# --- `::: name {attrs}` blocks; verse keeps its lines ----------------------------------------------------------

def _line(state: StateBlock, number: int) -> str:
    return state.src[state.bMarks[number] + state.tShift[number]:state.eMarks[number]]


def _block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    opened = _OPEN.match(_line(state, start))
    if not opened or not (opened["name"] or opened["attrs"]):
        return False
    if silent:
        return True
    depth, line = 1, start + 1
    while line < end:
        if state.sCount[line] < state.blkIndent and _line(state, line):
            break  # the block is inside a list item or a quotation that ends here
        written = _line(state, line)
        if _CLOSE.match(written):
            depth -= 1
            if depth == 0:
                break
        elif _OPEN.match(written) and opened["name"] != "verse":
            depth += 1
        line += 1
    closed = line < end and depth == 0
    attrs: dict = {}
    if opened["attrs"]:
        try:
            attrs = parse_attrs(opened["attrs"])[1]
        except ParseError:
            attrs = {"": opened["attrs"]}
    tag = "blockquote" if opened["name"] == "epigraph" else "div"
    token = state.push("bookforge_block_open", tag, 1)
    token.info, token.map = opened["name"] or "", [start, line]
    token.meta = {"attrs": attrs, "closed": closed, "written": _line(state, start)}
    if opened["name"] == "verse":
        _verse(state, start + 1, line)
    else:
        parent, line_max = state.parentType, state.lineMax
        state.parentType, state.lineMax = "bookforge_block", line
        state.md.block.tokenize(state, start + 1, line)
        state.parentType, state.lineMax = parent, line_max
    state.push("bookforge_block_close", tag, -1)
    state.line = line + 1 if closed else line
    return True


def _verse(state: StateBlock, start: int, end: int) -> None:
    """Stanzas (a blank line between them) of lines, each kept with its indentation (two spaces a step)."""
    stanza: list[tuple[int, str, int]] = []

    def flush() -> None:
        if not stanza:
            return
        opening = state.push("verse_stanza_open", "p", 1)
        opening.map = [stanza[0][0], stanza[-1][0] + 1]
        for index, (number, text, indent) in enumerate(stanza):
            if index:
                state.push("verse_break", "br", 0)
            line_open = state.push("verse_line_open", "span", 1)
            line_open.attrSet("class", f"line indent-{indent}" if indent else "line")
            inline = state.push("inline", "", 0)
            inline.content, inline.map, inline.children = text, [number, number + 1], []
            state.push("verse_line_close", "span", -1)
        state.push("verse_stanza_close", "p", -1)
        stanza.clear()

    for number in range(start, end):
        raw = state.src[state.bMarks[number]:state.eMarks[number]]
        if not raw.strip():
            flush()
            continue
        # Indentation beyond the block's own: the verse is indented as the author indented it.
        written = raw.expandtabs(4)
        spaces = len(written) - len(written.lstrip(" ")) - state.blkIndent
        stanza.append((number, written.strip(), min(max(spaces, 0) // 2 + (max(spaces, 0) % 2), 8)))
    flush()


# --- after parsing: notes out of the flow, figures, attributions, captions ----------------------------------------

def _notes(state: StateCore) -> None:
    """Take footnote definitions out of the flow into `env["notes"]` (label -> tokens), in the order of first
    reference; references to undefined notes and notes never referenced are problems."""
    definitions: dict[str, list[Token]] = {}
    problems = state.env.setdefault("problems", [])
    kept: list[Token] = []
    inside: list[Token] | None = None
    for token in state.tokens:
        if token.type == "footnote_reference_open":
            label = token.meta["label"]
            inside = []
            if label in definitions:
                problems.append(Problem("duplicate-footnote", f"the footnote `[^{label}]` is defined twice",
                                        "give each note its own label", f"[^{label}]:"))
            else:
                definitions[label] = inside
            continue
        if token.type == "footnote_reference_close":
            inside = None
            continue
        (kept if inside is None else inside).append(token)
    state.tokens = kept
    order: list[str] = []
    for tokens in [kept, *definitions.values()]:
        for token in tokens:
            for child in token.children or ():
                if child.type == "footnote_ref" and child.meta["label"] not in order:
                    order.append(child.meta["label"])
    unused = [label for label in definitions if label not in order]
    for label in order:
        if label not in definitions:
            close = did_you_mean(label, unused) if unused else None
            if close and close.startswith("did you mean"):  # a misspelt label: one mistake, one problem
                meant = close.split("`")[1]
                unused.remove(meant)
                hint = f"is it the note written `[^{meant}]:`? give the reference and the note the same label"
            else:
                hint = f"add its text on a line of its own after the paragraph: `[^{label}]: The note.`"
            problems.append(Problem("undefined-footnote", f"the footnote `[^{label}]` is not defined in this text",
                                    hint, f"[^{label}]"))
    for label in definitions:
        if label in unused:
            problems.append(Problem("unused-footnote", f"the footnote `[^{label}]` is never referred to, so its text "
                                    "would be left out", f"put `[^{label}]` in the text where the note belongs",
                                    f"[^{label}]:"))
    state.env["notes"] = {label: definitions[label] for label in order if label in definitions}


def _shapes(state: StateCore) -> None:
    tokens = state.tokens
    problems = state.env.setdefault("problems", [])
    images = state.env.setdefault("images", [])
    result: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "inline":
            _check_inline(token, problems)
        if token.type == "paragraph_open" and index + 2 < len(tokens) and tokens[index + 1].type == "inline":
            children = [c for c in tokens[index + 1].children or () if not (c.type == "text" and not c.content.strip())]
            if len(children) == 1 and children[0].type == "image":
                image = children[0]
                figure, closing = Token("figure_open", "figure", 1), Token("figure_close", "figure", -1)
                figure.map, figure.meta, figure.block, closing.block = token.map, {"image": image}, True, True
                images.append(_image(image, tokens[index + 1].content, problems))
                result += [figure, tokens[index + 1], closing]
                index += 3
                continue
            caption = _caption(tokens, index)
            if caption is not None:
                result.append(caption)
                index += 3
                continue
        if token.type == "bookforge_block_open":
            _check_block(token, problems)
        if token.type in ("blockquote_close", "bookforge_block_close"):
            _attribution(result)
        result.append(token)
        index += 1
    for position, token in enumerate(result):
        if token.type == "table_open":
            _place_caption(result, position)
    state.tokens = [t for t in result if t.type != "table_caption_moved"]


def _image(image: Token, written: str, problems: list[Problem]) -> ProseImage:
    src = image.attrGet("src") or ""
    alt = "".join(child.content for child in image.children or ())
    classes = str(image.attrGet("class") or "").split()
    decorative = "decorative" in classes
    snippet = written.strip()
    for name in classes:
        if name not in IMAGE_CLASSES:
            problems.append(Problem("unknown-class", f"unknown class `.{name}` on an image", "an image may have "
                                    "`{.decorative}`, for an ornament", snippet))
    if not alt.strip() and not decorative:
        problems.append(Problem("missing-alt", "this image has no alt text", "write what the image shows between "
                                "the brackets, `![A map of the coast](images/map.png)`, for readers who cannot see "
                                "it; add `{.decorative}` after an ornament instead", snippet))
    title = image.attrGet("title")
    return ProseImage(src, "" if decorative else alt.strip(), str(title) if title else None, decorative, snippet)


def _check_inline(token: Token, problems: list[Problem]) -> None:
    for child in token.children or ():
        if child.type == "image":
            problems.append(Problem("inline-image", "an image in the middle of a paragraph", "give the image a "
                                    "paragraph of its own (a blank line before and after): it becomes a figure",
                                    f"]({child.attrGet('src')}"))
        elif child.type == "link_open" and not SAFE_LINK.match(str(child.attrGet("href") or "")):
            href = child.attrGet("href")
            problems.append(Problem("bad-link", f"`{href}` is not an address a book can link to", "links go to "
                                    "`https://` or `mailto:` addresses, or to `#` and an id in the book", f"]({href}"))
        elif child.type == "span_open":
            _check_attributes(child, SPAN_CLASSES, problems)


def _check_attributes(token: Token, classes: dict[str, str], problems: list[Problem]) -> None:
    for name in str(token.attrGet("class") or "").split():
        if name not in classes:
            allowed = ", ".join(f"`.{c}`" for c in classes) if classes else "none"
            problems.append(Problem("unknown-class", f"unknown class `.{name}`", f"the classes are {allowed} "
                                    "(README, \"Prose\")", f".{name}"))
    language = token.attrGet("lang")
    if language is not None and not LANGUAGE.match(str(language)):
        problems.append(Problem("bad-language", f"`{language}` is not a language tag", "write a BCP 47 tag such "
                                "as `fr`, `de-CH` or `la`", f"lang={language}"))
    for name in token.meta.get("insecure_attrs", {}):
        problems.append(Problem("unknown-attribute", f"`{name}` cannot be set here", "a passage may have `lang=` "
                                "and a class: `[texte]{lang=fr}`, `[Mrs. Lane]{.smallcaps}`", f"{name}="))


def _check_block(token: Token, problems: list[Problem]) -> None:
    written = token.meta["written"].strip()
    name, attrs = token.info, dict(token.meta["attrs"])
    if "" in attrs:
        problems.append(Problem("bad-block", f"`{attrs['']}` is not a list of attributes", "write them as "
                                "`{lang=fr}`", written))
        return
    if not token.meta["closed"]:
        problems.append(Problem("unclosed-block", f"`{written}` is never closed", "end the block with a line `:::`",
                                written))
    if name and name not in BLOCKS:
        problems.append(Problem("unknown-block", f"unknown block `::: {name}`", did_you_mean(name, BLOCKS), written))
    for key in attrs:
        if key not in ("lang",):
            problems.append(Problem("unknown-attribute", f"`{key}` cannot be set on a block", "a block may have a "
                                    "language: `::: verse {lang=fr}`", written))
    language = attrs.get("lang")
    if language is not None and not LANGUAGE.match(str(language)):
        problems.append(Problem("bad-language", f"`{language}` is not a language tag", "write a BCP 47 tag such "
                                "as `fr`, `de-CH` or `la`", written))


def _attribution(tokens: list[Token]) -> None:
    """The last paragraph of the quotation or epigraph ending here, if it starts with a dash, is its source."""
    depth = 0
    for position in range(len(tokens) - 1, -1, -1):
        token = tokens[position]
        if token.type in ("blockquote_open", "bookforge_block_open") and depth == 0:
            return
        if token.type == "paragraph_close" and depth == 0:
            inline = tokens[position - 1]
            if inline.type == "inline" and inline.content.lstrip().startswith(ATTRIBUTION):
                tokens[position - 2].attrSet("class", "attribution")
                first = next((c for c in inline.children or () if c.type == "text"), None)
                if first is not None:  # `--` (an en dash once typography has run) is the em dash of a source line
                    first.content = re.sub(r"^\s*(--|–)\s*", "— ", first.content)
            return
        depth += token.nesting if token.type not in ("paragraph_open", "paragraph_close") else 0
        if token.nesting == -1 and token.type != "paragraph_close":
            return  # the quotation ends with a list or a block: no attribution


def _caption(tokens: list[Token], index: int) -> Token | None:
    """`Table: ...` in a paragraph of its own, before or after a table, is the table's caption."""
    inline = tokens[index + 1]
    if not TABLE_CAPTION.match(inline.content):
        return None
    before = index > 0 and tokens[index - 1].type == "table_close"
    after = index + 3 < len(tokens) and tokens[index + 3].type == "table_open"
    if not (before or after):
        return None
    caption = Token("table_caption_moved", "", 0)
    caption.meta = {"inline": inline}
    first = next((c for c in inline.children or () if c.type == "text"), None)
    if first is not None:
        first.content = TABLE_CAPTION.sub("", first.content, count=1)
    return caption


def _place_caption(tokens: list[Token], position: int) -> None:
    """Move a caption found next to the table at `position` inside it, as its first child."""
    candidates = [position - 1]
    depth, end = 0, position
    for end in range(position, len(tokens)):
        depth += tokens[end].nesting
        if depth == 0:
            break
    candidates.append(end + 1)
    for where in candidates:
        if 0 <= where < len(tokens) and tokens[where].type == "table_caption_moved":
            inline = tokens[where].meta["inline"]
            opening, closing = Token("caption_open", "caption", 1), Token("caption_close", "caption", -1)
            opening.block = closing.block = True
            tokens[position + 1:position + 1] = [opening, inline, closing]
            return


# --- checking a text at load -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _checker() -> MarkdownIt:
    return configure(MarkdownIt("commonmark", {"html": False}))


_SURVEYED = re.compile(r"\[|<|:::")
"""What each problem survey finds starts at: a link, image, footnote or span (`[`), an autolink (`<`) or a block
(`:::`). A text without any (most of a book's) is not parsed to check it."""


def survey(text: str, *, inline: bool = False) -> tuple[list[Problem], list[ProseImage]]:
    """The problems in a text and the figures it shows; `inline` for a title (one line, no blocks)."""
    if not _SURVEYED.search(text):
        return [], []
    env: dict = {}
    md = _checker()
    if inline:
        tokens = md.parseInline(text, env)
        problems: list[Problem] = []
        for token in tokens:
            _check_inline(token, problems)
        return problems, []
    md.parse(text, env)
    return list(env.get("problems", [])), list(env.get("images", []))
