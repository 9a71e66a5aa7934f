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


def _typeset_dashes(text: str) -> str:
    # markdown-it turns `--` into an en dash and `---` into an em dash; a spaced hyphen is also a dash in prose.
    return text.replace(" - ", " – ")


def prose(text: str, language: str) -> str:
    """Paragraphs of Markdown -> XHTML `<p>` elements."""
    return _parser(language).render(_typeset_dashes(text)).strip()


def inline(text: str, language: str) -> str:
    """One line of Markdown -> XHTML inline content (no enclosing element)."""
    return _parser(language).renderInline(_typeset_dashes(text)).strip()


def plain(text: str, language: str) -> str:
    """One line of Markdown -> typographically correct plain text, for the TOC, bookmarks and metadata."""
    return html.unescape(re.sub(r"<[^>]+>", "", inline(text, language)))
