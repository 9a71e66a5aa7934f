"""What in a stylesheet only the whole book in one document can lay out, read from its rules (tinycss2), so that a
comment or a string that mentions it does not count."""

from __future__ import annotations

from itertools import pairwise

import tinycss2
from tinycss2 import ast

# Counters that belong to one element or one page, which therefore need not carry from chunk to chunk.
LOCAL_COUNTERS = {"page", "pages", "list-item", "none"}
COUNTER_PROPERTIES = {"counter-reset", "counter-increment", "counter-set"}
# Rules that hold rules (the others hold declarations, and nested rules).
GROUP_RULES = {"media", "supports", "layer", "container", "document", "scope", "starting-style"}
# Functions whose value only the whole document knows: another chunk's text, running elements.
WHOLE_BOOK_FUNCTIONS = {"target-text": "another part's text (`target-text()`)",
                        "running": "a running element (`running()`)", "element": "a running element (`element()`)"}


def needs_whole_book(css: str) -> str | None:
    """Why a stylesheet needs the whole book in one document, or None: the page count (`counter(pages)`), a
    page's place in the document (`@page :nth(3)`), footnotes (WeasyPrint numbers them through the document),
    another part's text (`target-text()`), running elements, or a counter of its own (chapter numbers), which
    would start again in every chunk."""
    return _rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _rules(rules) -> str | None:
    for rule in rules:
        if isinstance(rule, ast.AtRule):
            found = (_page_selector(rule.prelude) if rule.lower_at_keyword == "page" else None) or \
                _values(rule.prelude)
            if not found and rule.content is not None:
                found = _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                               if rule.lower_at_keyword in GROUP_RULES else _block(rule.content))
        elif isinstance(rule, ast.QualifiedRule):
            found = _values(rule.prelude) or _rules(_block(rule.content))
        elif isinstance(rule, ast.Declaration):
            found = _declaration(rule)
        else:  # a parse error: WeasyPrint skips it too
            found = None
        if found:
            return found
    return None


def _block(content):
    return tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True)


def _declaration(declaration: ast.Declaration) -> str | None:
    name = declaration.lower_name
    idents = [token.lower_value for token in declaration.value if isinstance(token, ast.IdentToken)]
    if name == "float" and "footnote" in idents:
        return "footnotes (`float: footnote`)"
    if name in COUNTER_PROPERTIES:
        own = sorted(set(idents) - LOCAL_COUNTERS)
        if own:
            return f"a counter of its own (`{name}: {own[0]}`)"
    return _values(declaration.value)


def _values(tokens) -> str | None:
    """The functions anywhere in a value or a selector (strings and comments are tokens of their own)."""
    for token in tokens or ():
        if isinstance(token, ast.FunctionBlock):
            arguments = [t for t in token.arguments if not isinstance(t, ast.WhitespaceToken)]
            if token.lower_name in ("counter", "counters") and arguments[:1] and \
                    isinstance(arguments[0], ast.IdentToken) and arguments[0].lower_value == "pages":
                return f"the page count (`{token.lower_name}(pages)`)"
            if token.lower_name in WHOLE_BOOK_FUNCTIONS:
                return WHOLE_BOOK_FUNCTIONS[token.lower_name]
            found = _values(token.arguments)
        elif isinstance(token, (ast.SquareBracketsBlock, ast.ParenthesesBlock, ast.CurlyBracketsBlock)):
            found = _values(token.content)
        else:
            found = None
        if found:
            return found
    return None


def _page_selector(prelude) -> str | None:
    """`@page :nth(3)`: a page by its place in the document (`:nth(2 of chapter)` counts in a named page group,
    which a chunk has whole)."""
    for before, token in pairwise(prelude):
        if (isinstance(token, ast.FunctionBlock) and token.lower_name == "nth" and
                isinstance(before, ast.LiteralToken) and before.value == ":" and
                not any(isinstance(t, ast.IdentToken) and t.lower_value == "of" for t in token.arguments)):
            return f"a page chosen by its place in the book (`@page :{tinycss2.serialize([token])}`)"
    return None
