"""Inline Markdown and typography for manuscript text: raw HTML is escaped, quotes and dashes are made right."""

from __future__ import annotations

import functools
import html
import re

from markdown_it import MarkdownIt

SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)

# Primary and secondary quotes by language: “double” ‘single’ in English, «double» “single” in Spanish...
QUOTES = {
    "en": "“”‘’",
    "es": "«»“”",
    "fr": ["«\u202f", "\u202f»", "“", "”"],
    "de": "„“‚‘",
    "it": "«»“”",
    "pt": "«»“”",
    "nl": "“”‘’",
}


@functools.lru_cache(maxsize=16)
def _parser(language: str) -> MarkdownIt:
    quotes = QUOTES.get(language.split("-")[0].lower(), QUOTES["en"])
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "xhtmlOut": True, "quotes": quotes})
    md.enable(["replacements", "smartquotes"])
    # Headings, code blocks, images and the like have no place in an entry's text: they stay literal.
    md.disable(["heading", "lheading", "code", "fence", "html_block", "html_inline", "image", "hr", "table", "backticks"],
               ignoreInvalid=True)
    md.validateLink = lambda url: bool(SAFE_LINK.match(url.strip()))
    return md


# A word-initial apostrophe that stands for left-out letters ('90s, rock 'n' roll, 'tis): smartquotes would
# take it for an opening quote.
_ELISION = re.compile(r"(?<![\w’])'(?=\d\ds?\b|n'|(tis|twas|em|cause|til|bout)\b)", re.IGNORECASE)
_ELIDED_N = re.compile(r"(?<=\s’n)'", re.IGNORECASE)


def _prepare(text: str) -> str:
    # markdown-it turns `--` into an en dash and `---` into an em dash; a spaced hyphen is also a dash in prose.
    text = _ELIDED_N.sub("’", _ELISION.sub("’", text))
    return text.replace(" - ", " – ")


def prose(text: str, language: str) -> str:
    """Paragraphs of Markdown -> XHTML `<p>` elements."""
    return _parser(language).render(_prepare(text)).strip()


def inline(text: str, language: str) -> str:
    """One line of Markdown -> XHTML inline content (no enclosing element)."""
    return _parser(language).renderInline(_prepare(text)).strip()


def heading(text: str, language: str) -> str:
    """Like `inline`, with no line break after a one-letter word or before a short last word."""
    html_text = inline(text, language)
    html_text = re.sub(r"(?<=\s)(\w) (?=\w)", "\\1\u00a0", html_text)
    return re.sub(r" (\w{1,7}[.!?]?)$", "\u00a0\\1", html_text)


def plain(text: str, language: str) -> str:
    """One line of Markdown -> typographically correct plain text, for the TOC, bookmarks and metadata."""
    return html.unescape(re.sub(r"<[^>]+>", "", inline(text, language)))
