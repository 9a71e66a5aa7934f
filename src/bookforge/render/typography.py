"""Typography by language, after Markdown parsing and on text only (never on the Markdown that makes lists and
quotes): quotation marks as CLDR gives them, nested ones too, each passage in its own language's; French spaces;
en dashes for spaced hyphens."""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bookforge.layout import language as languages

STAND_INS = ("\ue000", "\ue001", "\ue002", "\ue003")
"""What smartquotes puts for an opening, closing, inner opening and inner closing mark (private-use characters)."""
_OPEN, _CLOSE, _INNER_OPEN, _INNER_CLOSE = STAND_INS
_TYPED_STAND_INS = re.compile(f"([{''.join(STAND_INS)}]+)")

# What an opening quote mark follows: white space (no-break and word joiner included), a dash, an opening bracket
# or another opening mark.
_LEFT_QUOTE_CONTEXT = re.compile(r"[\s\u2060(\[{\u2014\u2013“‘«„‚‹「『\ue000\ue002-]")

# Marks an author types: an opening one and the marks that close it, to close a straight quote the same way
# (`„Guten Tag"` in a French book is „Guten Tag“).
_TYPED_PAIRS = {"„": "“”", "«": "»", "»": "«", "‹": "›", "「": "」", "『": "』", "“": "”"}
_TYPED = frozenset("„“”«»‹›「」『』")
_MARKED = re.compile(f"[{''.join(STAND_INS)}{''.join(sorted(_TYPED))}]")
"""The characters _marks turns or follows: the rest of a text passes through as it is."""
_STRAIGHT = re.compile("[\"']")


_BOOK_QUOTES: contextvars.ContextVar[tuple[str, tuple[str, ...]] | None] = contextvars.ContextVar(
    "bookforge_book_quotes", default=None)


@contextlib.contextmanager
def book_quotes(language: str, marks: tuple[str, ...] | None) -> Iterator[None]:
    """Text in `language` rendered inside takes `marks` (book.yaml's `quotes:`) instead of CLDR's."""
    token = _BOOK_QUOTES.set((language.lower(), tuple(marks)) if marks else None)
    try:
        yield
    finally:
        _BOOK_QUOTES.reset(token)


def quotes(language: str) -> tuple[str, ...]:
    """(open, close, inner open, inner close) for text in `language`: the book's own, or CLDR's."""
    chosen = _BOOK_QUOTES.get()
    if chosen is not None and chosen[0] == language.lower():
        return chosen[1]
    return languages.quotes(language)


@dataclass
class _Open:
    """A quotation opened and not yet closed in this paragraph."""

    mark: str
    inner: bool
    closing: str
    """The mark that closes it."""


def keep_typed_stand_ins(state) -> None:
    """The core rule before smartquotes: characters of STAND_INS that the author typed (private-use characters,
    which a font may draw as its own glyphs) moved out of the text into `text_special` tokens, which smartquotes and
    `apply` pass over and markdown-it joins back into the text after them: never taken for quote marks."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = [part for token in block.children for part in _typed_stand_ins_apart(token)]


def _typed_stand_ins_apart(token) -> list:
    if token.type != "text" or not _TYPED_STAND_INS.search(token.content):
        return [token]
    pieces = _TYPED_STAND_INS.split(token.content)  # odd indexes: runs of stand-ins
    return [token.copy(content=piece, type="text_special" if index % 2 else "text")
            for index, piece in enumerate(pieces) if piece]


def apply(state, language: str) -> None:
    """The core rule after smartquotes (markup.py): every paragraph's text in the language of the passage it is in
    (`::: {lang=de}`, `[texte]{lang=fr}`), the book's language elsewhere."""
    passages = [language]
    for block in state.tokens:
        if block.type == "bookforge_block_open":
            passages.append(str(block.meta.get("attrs", {}).get("lang") or passages[-1]))
        elif block.type == "bookforge_block_close":
            passages.pop()
        elif block.type == "inline" and block.children:
            _paragraph(block.children, passages[-1])


def _paragraph(children, language: str) -> None:
    spans: list[str] = [language]
    opened: list[_Open] = []
    before, in_link = "", 0
    for token in children:
        if token.type == "span_open":
            spans.append(str(token.attrGet("lang") or spans[-1]))
        elif token.type == "span_close" and len(spans) > 1:
            spans.pop()
        in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
        if token.type != "text":
            before = {"softbreak": " ", "hardbreak": " ", "code_inline": "x"}.get(token.type, before)
            continue
        text = _marks(_sided(token.content.replace(" - ", " – "), before), spans[-1], opened)
        if _french(spans[-1]) and not in_link:
            text = french_spaces(text, before)
        token.content = text
        before = text[-1:] or before


def _sided(text: str, before: str) -> str:
    """Straight quotes smartquotes left (it pairs marks within one paragraph, so the opening mark of speech that goes
    on over several paragraphs has no partner) turned by their side of the word."""
    if '"' not in text and "'" not in text:
        return text
    chars = list(text)
    for found in _STRAIGHT.finditer(text):
        index, char = found.start(), found.group()
        # A hair space only keeps two marks apart (’ ”): the mark goes by what comes before both.
        at = index - 1
        while at >= 0 and chars[at] == "\u200a":
            at -= 1
        previous = chars[at] if at >= 0 else before
        opening = not previous or bool(_LEFT_QUOTE_CONTEXT.match(previous))
        if char == '"':
            chars[index] = _OPEN if opening else _CLOSE
        else:
            chars[index] = _INNER_OPEN if opening else "’"
    return "".join(chars)


def _marks(text: str, language: str, opened: list[_Open]) -> str:
    """Stand-ins to the language's marks; a closing one closes what is open, in the marks it was opened with."""
    if not _MARKED.search(text):
        return text
    marks = quotes(language)
    out, done = [], 0
    for found in _MARKED.finditer(text):
        index, char = found.start(), found.group()
        out.append(text[done:index])
        done = index + 1
        if char == _CLOSE and not opened and text[index + 1:index + 2].isalnum():
            char = _OPEN  # nothing to close, and a word follows: between words with no space (彼は"はい"と)
        if char in (_OPEN, _INNER_OPEN):
            inner = char == _INNER_OPEN
            mark, closing = (marks[2], marks[3]) if inner else (marks[0], marks[1])
            opened.append(_Open(mark, inner, closing))
            out.append(mark)
        elif char in (_CLOSE, _INNER_CLOSE):
            out.append(_close(opened, inner=char == _INNER_CLOSE, fallback=marks[3] if char == _INNER_CLOSE
                              else marks[1]))
        else:  # a mark the author typed
            if opened and char in opened[-1].closing and opened[-1].mark in _TYPED:
                opened.pop()
            elif char in _TYPED_PAIRS and char not in (marks[1], marks[3]):  # a closing mark of the language
                own = marks[1] if char == marks[0] else marks[3] if char == marks[2] else _TYPED_PAIRS[char][0]
                opened.append(_Open(char, False, own))
            out.append(char)
    out.append(text[done:])
    return "".join(out)


def _close(opened: list[_Open], inner: bool, fallback: str) -> str:
    """The mark that closes the innermost open quotation of this depth (an inner one closes only an inner one)."""
    for at in range(len(opened) - 1, -1, -1):
        if opened[at].inner == inner or (not inner and opened[at].mark in _TYPED):
            closing = opened[at].closing
            del opened[at:]
            return closing[0]
    return fallback


# French: a narrow no-break space before ; ! ? and inside « », a no-break space before : (and none where the author
# typed a space that could break). Not inside a word (http://x.fr/?q=1), nor after a digit for a colon (10:30).
_FRENCH = (
    (re.compile(r"«[ \u00a0\u202f]*"), "«\u202f"),
    (re.compile(r"(?<=\S)(?<!«\u202f)[ \u00a0\u202f]*»"), "\u202f»"),
    (re.compile(r"(?<=[^\s!?;:.…\u00a0\u202f(\[«])[ \u00a0\u202f]*([;!?]+)(?=[\s»)\]”’.…]|$)"), "\u202f\\1"),
    (re.compile(r"(?<=[^\s\d!?;:.…\u00a0\u202f(\[«/])[ \u00a0\u202f]*:(?=\s|$)"), "\u00a0:"),
)


def spaces_punctuation(text: str, language: str) -> bool:
    """Whether the typography of `language` puts a space before some punctuation of `text`."""
    return _french(language) and any(stop in text for stop in ";:!?")


def _french(language: str) -> bool:
    return language.split("-")[0].lower() == "fr"


def french_spaces(text: str, before: str = "") -> str:
    """French spacing for `text`, which follows `before` (the last character of the text before it in the
    paragraph, which may be the space's other side)."""
    lead = before[-1:] if before else ""
    text = lead + text
    for pattern, replacement in _FRENCH:
        text = pattern.sub(replacement, text)
    return text[len(lead):]
