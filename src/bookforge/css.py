"""What a stylesheet refers to and asks for, read with tinycss2: every URL it names, its @imports, its page sizes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import tinycss2

# Functions whose string arguments are URLs (a `url(...)` token is one anyway, escapes decoded by tinycss2).
URL_FUNCTIONS = frozenset({"url", "src", "image", "image-set", "-webkit-image-set", "cross-fade", "-webkit-cross-fade"})
INCHES = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "q": 1 / 101.6, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96}
MAX_PAGE_BLEED = 1.0
"""Inches of `bleed` an @page rule may ask for (printers ask 0.125)."""
MAX_IMPORTS = 20
"""Stylesheets one stylesheet may pull in through @import, counting imports of imports."""


def _iso_sizes(prefix: str, width: int, height: int) -> dict[str, tuple[float, float]]:
    """An ISO 216 series in inches: each size is the one before it cut in half."""
    sizes = {}
    for n in range(11):
        sizes[f"{prefix}{n}"] = (width / 25.4, height / 25.4)
        width, height = height // 2, width
    return sizes


# CSS page-size keywords (css-page-3, as WeasyPrint knows them), portrait, in inches.
PAGE_SIZES = {**_iso_sizes("a", 841, 1189), **_iso_sizes("b", 1000, 1414), **_iso_sizes("c", 917, 1297),
              **_iso_sizes("jis-b", 1030, 1456), "letter": (8.5, 11.0), "legal": (8.5, 14.0), "ledger": (11.0, 17.0)}


@dataclass(frozen=True)
class CssProblem:
    """Something a stylesheet may not do, at a line and column of the CSS it was found in."""

    line: int
    column: int
    message: str
    needle: str = ""
    """The text to look for in the source, when the CSS was made by a template."""


@dataclass(frozen=True)
class Rules:
    """What to allow: `url_allowed(url)` for every URL, `import_allowed(url)` for @import (None refuses them all)."""

    url_allowed: Callable[[str], bool]
    import_allowed: Callable[[str], bool] | None = None
    max_page: float | None = None
    """Inches: an @page `size` larger than this on either side is refused; None allows no @page at all."""
    what: str = "the book's own files"
    """What a URL may name, for the message."""


def check_stylesheet(source: str, rules: Rules) -> tuple[list[CssProblem], list[str]]:
    """(problems, the URLs it @imports) of a stylesheet."""
    problems: list[CssProblem] = []
    imports: list[str] = []
    _check_rules(tinycss2.parse_stylesheet(source, skip_comments=True, skip_whitespace=True), rules, problems,
                 imports, top=True)
    return problems, imports


def check_declarations(source: str, rules: Rules) -> list[CssProblem]:
    """Problems of a `style` attribute (declarations only)."""
    problems: list[CssProblem] = []
    for node in tinycss2.parse_blocks_contents(source, skip_comments=True, skip_whitespace=True):
        if node.type == "at-rule":
            problems.append(CssProblem(node.source_line, node.source_column, f"`@{node.at_keyword}` cannot be used "
                                       "in a style attribute", f"@{node.at_keyword}"))
        elif node.type == "declaration":
            _check_urls(node.value, rules, problems)
    return problems


def _check_rules(nodes: Iterable, rules: Rules, problems: list[CssProblem], imports: list[str], top: bool) -> None:
    for node in nodes:
        if node.type == "qualified-rule":
            _check_urls(node.prelude, rules, problems)
            _check_urls(node.content or [], rules, problems)
        elif node.type == "at-rule":
            _check_at_rule(node, rules, problems, imports, top)


def _check_at_rule(node, rules: Rules, problems: list[CssProblem], imports: list[str], top: bool) -> None:
    keyword = node.lower_at_keyword
    where = (node.source_line, node.source_column)
    if keyword == "import":
        url = _import_url(node.prelude)
        if rules.import_allowed is None or not top or url is None or not rules.import_allowed(url):
            problems.append(CssProblem(*where, f"`@import` of `{url or tinycss2.serialize(node.prelude).strip()}`: "
                                       "a stylesheet may import only the layout's own stylesheets", "@import"))
        else:
            imports.append(url)
        return
    if keyword == "namespace":  # a namespace name, never fetched
        return
    _check_urls(node.prelude, rules, problems)
    if node.content is None:
        return
    if keyword == "page":
        _check_page(node, rules, problems)
        return
    if keyword in ("media", "supports", "layer", "document", "container", "scope", "starting-style"):
        _check_rules(tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True), rules,
                     problems, imports, top=False)
        return
    _check_urls(node.content, rules, problems)


def _check_page(node, rules: Rules, problems: list[CssProblem]) -> None:
    if rules.max_page is None:
        problems.append(CssProblem(node.source_line, node.source_column, "`@page` rules cannot be used here",
                                   "@page"))
        return
    for item in tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True):
        if item.type == "at-rule":  # page-margin boxes: @top-center { ... }
            _check_urls(item.prelude, rules, problems)
            _check_urls(item.content or [], rules, problems)
            continue
        if item.type != "declaration":
            continue
        _check_urls(item.value, rules, problems)
        name = item.lower_name
        if name == "size":
            _check_size(item, rules.max_page, problems)
        elif name == "bleed":
            _check_lengths(item, MAX_PAGE_BLEED, problems)


def _check_size(item, limit: float, problems: list[CssProblem]) -> None:
    values = [token for token in item.value if token.type not in ("whitespace", "comment")]
    for token in values:
        if token.type == "ident" and token.lower_value in ("auto", "portrait", "landscape"):
            continue
        if token.type == "ident" and token.lower_value in PAGE_SIZES:
            if max(PAGE_SIZES[token.lower_value]) > limit:
                problems.append(_too_large(token, f"`{token.value}`", limit))
            continue
        if token.type == "dimension" and token.lower_unit in INCHES:
            if not 0 < token.value * INCHES[token.lower_unit] <= limit:
                problems.append(_too_large(token, f"`{token.representation}{token.unit}`", limit))
            continue
        problems.append(CssProblem(token.source_line, token.source_column,
                                   f"`size: {tinycss2.serialize(item.value).strip()}`: a page size must be plain "
                                   "lengths (in, mm, cm, pt...) or a paper name such as `a5`", "size"))
        return


def _check_lengths(item, limit: float, problems: list[CssProblem]) -> None:
    for token in item.value:
        if token.type == "dimension" and token.lower_unit in INCHES and token.value * INCHES[token.lower_unit] > limit:
            problems.append(CssProblem(token.source_line, token.source_column, f"`{item.name}` of "
                                       f"`{token.representation}{token.unit}` is more than {limit:g}in",
                                       item.name))


def _too_large(token, shown: str, limit: float) -> CssProblem:
    return CssProblem(token.source_line, token.source_column, f"the page size {shown} is larger than printers print "
                      f"(at most {limit:g}in a side)", "size")


def _check_urls(tokens: Iterable, rules: Rules, problems: list[CssProblem]) -> None:
    for url, token in urls(tokens):
        if url == MALFORMED:
            problems.append(CssProblem(token.source_line, token.source_column, "a malformed `url(...)` (unquoted, "
                                       "with a parenthesis or quote inside) cannot be checked, so it is refused",
                                       "url("))
        elif not rules.url_allowed(url):
            problems.append(CssProblem(token.source_line, token.source_column,
                                       f"`url({url})`: a stylesheet may refer only to {rules.what}",
                                       url[:60] or "url("))


MALFORMED = "\x00malformed"


def urls(tokens: Iterable) -> Iterator[tuple[str, object]]:
    """(URL, token) for every URL in a list of component values, nested blocks and functions included."""
    for token in tokens:
        kind = token.type
        if kind == "url":
            yield token.value.strip(), token
        elif kind == "error" and token.kind == "bad-url":  # `url(a(b))` and the like: never allowed
            yield MALFORMED, token
        elif kind == "function":
            if token.lower_name in URL_FUNCTIONS:
                for argument in token.arguments:
                    if argument.type == "string":
                        yield argument.value.strip(), argument
            yield from urls(token.arguments)
        elif kind in ("() block", "[] block", "{} block"):
            yield from urls(token.content)


def _import_url(prelude: list) -> str | None:
    for token in prelude:
        if token.type in ("whitespace", "comment"):
            continue
        if token.type in ("string", "url"):
            return token.value.strip()
        if token.type == "function" and token.lower_name == "url":
            strings = [argument.value for argument in token.arguments if argument.type == "string"]
            return strings[0].strip() if strings else None
        return None
    return None


DATA_IMAGE = re.compile(r"\s*data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=\s]*)\s*$", re.IGNORECASE)
"""The data: URLs a book may carry: bitmaps in base64 (an SVG or HTML in a data: URL could hold anything)."""


def import_cycles(imports: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(stylesheet, the import that closes a circle or makes too many) for a graph {sheet: [sheets it imports]}."""
    found: list[tuple[str, str]] = []
    for start in imports:
        count, stack = 0, [(start, (start,))]
        while stack:
            sheet, trail = stack.pop()
            for target in imports.get(sheet, []):
                count += 1
                if target in trail:
                    found.append((start, target))
                    stack = []
                    break
                if count > MAX_IMPORTS:
                    found.append((start, target))
                    stack = []
                    break
                stack.append((target, trail + (target,)))
    return found
