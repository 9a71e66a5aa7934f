"""Manuscript Markdown -> XHTML: the prose vocabulary (manuscript/prose.py) rendered, raw HTML escaped, quotes and
dashes made right."""

from __future__ import annotations

import functools
import html
import re

from markdown_it import MarkdownIt

from bookforge.manuscript.prose import SAFE_LINK, configure  # noqa: F401 - SAFE_LINK was this module's
from bookforge.render import blocks, typography


@functools.lru_cache(maxsize=16)
def _parser(language: str) -> MarkdownIt:
    # smartquotes pairs the straight quotes and leaves stand-ins (typography.STAND_INS) that typography.apply turns
    # into the marks of the language of the text they are in, which a passage can change; stand-ins the author
    # typed are kept apart from them before.
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "xhtmlOut": True,
                                   "quotes": typography.STAND_INS})
    # Code blocks and raw HTML have no place in a book's text: they stay literal.
    configure(md)
    md.enable(["replacements", "smartquotes"])
    md.core.ruler.before("smartquotes", "bookforge_typed_stand_ins", typography.keep_typed_stand_ins)
    md.core.ruler.after("smartquotes", "bookforge_typography", functools.partial(typography.apply, language=language))
    blocks.add_render_rules(md)
    return md


# A word-initial apostrophe that stands for left-out letters ('90s, rock 'n' roll, 'tis): smartquotes would
# take it for an opening quote.
_ELISION = re.compile(r"(?<![\w’])'(?=\d\ds?\b|n'|(tis|twas|twere|twill|twould|em|un|pon|cause|course|til|bout|cept|fore|neath|tween"
                     r"|gainst|mongst|nuff)\b)", re.IGNORECASE)
_ELIDED_N = re.compile(r"(?<=\s’n)'", re.IGNORECASE)


# A line that would start an ordered list (`10. That was the year.`).
_NUMBERED = re.compile(r"^( {0,3})(\d{1,9})([.)])(?=\s)", re.MULTILINE)


def _prepare(text: str) -> str:
    # markdown-it turns `--` into an en dash and `---` into an em dash; spaced hyphens become en dashes after parsing.
    text = _ELIDED_N.sub("’", _ELISION.sub("’", text))
    return _unlisted(text)


def _unlisted(text: str) -> str:
    """A paragraph that merely begins with a number and a full stop stays a paragraph: only two or more numbered
    items in a row (in one paragraph or in neighbouring ones) make a list, as an author writing a list writes."""
    blocks = re.split(r"(\n[ \t]*\n)", text)
    numbered = [len(_NUMBERED.findall(block)) for block in blocks]
    for index in range(0, len(blocks), 2):
        neighbours = [numbered[i] for i in (index - 2, index + 2) if 0 <= i < len(blocks)]
        if numbered[index] == 1 and not any(neighbours):
            blocks[index] = _NUMBERED.sub(r"\1\2\\\3", blocks[index], count=1)
    return "".join(blocks)


def prose(text: str, language: str) -> str:
    """Paragraphs of Markdown -> XHTML blocks. Footnotes go where the current `blocks.scope` puts them (by default,
    after the text)."""
    parser = _parser(language)
    with blocks.text_scope() as scope:
        rendered = parser.render(_prepare(text), {"scope": scope, "md": parser}).strip()
    return rendered + scope.trailing()


def inline(text: str, language: str) -> str:
    """One line of Markdown -> XHTML inline content (no enclosing element)."""
    return _parser(language).renderInline(_prepare(text), {"inline": True}).strip()


def heading(text: str, language: str) -> str:
    """Like `inline`, with no line break after a one-letter word or before a short last word."""
    html_text = inline(text, language)
    html_text = re.sub(r"(?<=\s)(\w) (?=\w)", "\\1\u00a0", html_text)
    return re.sub(r" (\w{1,7}[.!?]?)$", "\u00a0\\1", html_text)


def plain(text: str, language: str) -> str:
    """One line of Markdown -> typographically correct plain text, for the TOC, bookmarks and metadata."""
    return html.unescape(re.sub(r"<[^>]+>", "", inline(text, language)))
