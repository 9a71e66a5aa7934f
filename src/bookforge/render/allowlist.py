"""What a layout may put into a book: the elements, attributes and URLs a rendered document needs, and stylesheets
that refer only to the book's own files. Anything else is refused, at the layout file that made it."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from bookforge import css
from bookforge.errors import Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.manuscript import svg

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
XML = "http://www.w3.org/XML/1998/namespace"
BOOK = "https://book.invalid/"
"""Where every file of the book is, for resolving relative URLs: one that resolves elsewhere is not the book's."""

ELEMENTS = frozenset("""
html head title meta link style body section nav header footer main article aside div p span br wbr hr
h1 h2 h3 h4 h5 h6 hgroup a em strong i b u s small sub sup mark abbr cite q dfn code kbd samp var time data
blockquote pre figure figcaption img ol ul li dl dt dd table caption colgroup col thead tbody tfoot tr th td
ruby rt rp bdi bdo del ins address
""".split())
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "lang", "dir", "title", "role", "hidden", "style", "translate"})
ATTRIBUTES = {
    "a": {"href", "hreflang", "rel", "type"}, "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "link": {"rel", "href", "type", "media"}, "meta": {"charset", "name", "content", "property", "http-equiv"},
    "style": {"type", "media"}, "ol": {"start", "reversed", "type"}, "li": {"value"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"}, "time": {"datetime"}, "data": {"value"},
    "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "html": {"version"},
}
# Namespaced attributes, as lxml names them in XHTML and as an HTML parser leaves them.
NAMESPACED = frozenset({f"{{{XML}}}lang", f"{{{EPUB}}}type", f"{{{EPUB}}}prefix", "xml:lang", "epub:type",
                        "epub:prefix", "xmlns", "xmlns:epub"})
INTERNAL_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
"""A DOCTYPE with declarations of its own (entities, default attributes); a plain `<!DOCTYPE html>` is fine."""
SVG_NAMES = {name.lower(): name for name in svg.ELEMENTS | svg.ATTRIBUTES}
"""SVG's camel-cased element and attribute names (`viewBox`, `linearGradient`) by their lower case."""
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers drop these from URLs before reading them (`java\tscript:`), so they are dropped to find the scheme too.
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class Found:
    """A problem in a rendered document or stylesheet, and what to look for in the layout's files to locate it."""

    message: str
    needle: str


class Book:
    """The files of one rendition, against which URLs are checked."""

    def __init__(self, resources: Collection[str], documents: Collection[str] = (), stylesheets: Collection[str] = ()):
        self.resources, self.documents, self.stylesheets = set(resources), set(documents), set(stylesheets)

    def path(self, base: str, url: str) -> str | None:
        """The book path a relative `url` written in `base` names, or None when it leaves the book."""
        target = urljoin(BOOK + base, url)
        if not target.startswith(BOOK):
            return None
        return unquote(urlsplit(target).path)[1:]

    def resource(self, base: str, url: str) -> bool:
        """A URL to a stylesheet, font or image of the book (or a fragment, or an embedded bitmap)."""
        if url.startswith("#"):
            return True
        inline = css.DATA_IMAGE.match(url)
        if inline is not None:
            return svg.bitmap_problem(inline[2], unreadable_ok=True) is None
        return self.path(base, url) in self.resources | self.stylesheets

    def rules(self, base: str, max_page: float | None, imports: bool = False) -> css.Rules:
        return css.Rules(url_allowed=lambda url: self.resource(base, url),
                         import_allowed=(lambda url: self.path(base, url) in self.stylesheets) if imports else None,
                         max_page=max_page, what="the book's own fonts, images and stylesheets")


def check_stylesheets(sheets: Iterable[tuple[str, str, Location]], book: Book,
                      max_page: float) -> list[Diagnostic]:
    """Each rendered stylesheet (path in the book, CSS, where its source is): URLs only to the book's own files,
    @import only of its other stylesheets and never in a circle, page sizes within what printers print."""
    problems: list[Diagnostic] = []
    graph: dict[str, list[str]] = {}
    where_of: dict[str, Location] = {}
    for path, source, where in sheets:
        found, imports = css.check_stylesheet(source, book.rules(path, max_page, imports=True))
        problems += [Diagnostic("unsafe-css", problem.message, Location(where.file, problem.line, problem.column))
                     for problem in found]
        graph[path] = [book.path(path, url) or "" for url in imports]
        where_of[path] = where
    for sheet, target in css.import_cycles(graph):
        problems.append(Diagnostic("unsafe-css", f"`@import` of `{target}` goes round in a circle or pulls in more "
                                   f"than {css.MAX_IMPORTS} stylesheets", where_of[sheet],
                                   "every stylesheet of a layout is linked already: @import is not needed"))
    return problems


def check_document(content: str, href: str, book: Book, xml: bool, max_page: float) -> list[Found]:
    """Problems of one rendered document: its elements, attributes, URLs and CSS against what a book needs."""
    try:
        if xml:
            root = etree.fromstring(content.encode("utf-8"), _parser())
        else:
            root = lxml.html.document_fromstring(content)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
        return [Found(f"the document is not well-formed XHTML: {exc}", "")]
    found: list[Found] = []
    if xml and INTERNAL_SUBSET.search(content):
        found.append(Found("the document declares a DTD of its own (`<!DOCTYPE html [...]>`)", "<!DOCTYPE"))
    for sibling in [*root.itersiblings(preceding=True), *root.itersiblings()]:
        if isinstance(sibling, etree._ProcessingInstruction):
            found.append(Found(f"a processing instruction `<?{sibling.target} ...?>`", f"<?{sibling.target}"))
    for node in root.iter():
        if isinstance(node, etree._Comment):
            continue
        if isinstance(node, etree._ProcessingInstruction):
            found.append(Found(f"a processing instruction `<?{node.target} ...?>`", f"<?{node.target}"))
            continue
        if isinstance(node, etree._Entity):
            found.append(Found(f"the entity `&{node.name};`", f"&{node.name};"))
            continue
        found += _check_node(node, href, book, xml, max_page)
    return found


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _check_node(node, href: str, book: Book, xml: bool, max_page: float) -> list[Found]:
    qname = etree.QName(node)
    namespace, local = (qname.namespace, qname.localname) if xml else (None, str(node.tag).lower())
    if not xml and local in SVG_NAMES and local not in ELEMENTS:  # an HTML parser lowercases inline SVG's names
        local, namespace = SVG_NAMES[local], svg.SVG
    if namespace == svg.SVG:
        try:
            svg.check_element(node, local, None if xml else _html_svg_attributes(node))
        except svg.Unsafe as exc:
            return [Found(f"inline SVG: {exc}", f"<{local}")]
        return []
    if (xml and namespace != XHTML) or local not in ELEMENTS:
        written = f"<{node.prefix}:{local}" if xml and node.prefix else f"<{local}"
        return [Found(f"the element <{local}>, which a book's documents may not have", written)]
    found = []
    allowed = ATTRIBUTES.get(local, set())
    for name, value in node.attrib.items():
        if name in GLOBAL_ATTRIBUTES or name in allowed or name in NAMESPACED or name.startswith(("aria-", "data-")):
            problem = _check_value(local, name, value, href, book, max_page)
        else:
            problem = f"the attribute `{name}` on a <{local}> element, which a book's documents may not have"
        if problem:
            found.append(Found(problem, name if problem.startswith("the attribute") else value[:60]))
    if local == "style":
        problems, _ = css.check_stylesheet(node.text or "", book.rules(href, max_page))
        found += [Found(f"in a <style> element: {problem.message}", problem.needle) for problem in problems]
    return found


def _html_svg_attributes(node) -> dict[str, str]:
    """An inline SVG element's attributes as an HTML parser leaves them (`xlink:href`), named as in XML."""
    named = {}
    for name, value in node.attrib.items():
        prefix, _, local = name.rpartition(":")
        if name == "xmlns" or prefix == "xmlns":
            continue
        named[{"xlink": f"{{{svg.XLINK}}}", "xml": f"{{{XML}}}"}.get(prefix, f"{prefix}:" if prefix else "")
              + SVG_NAMES.get(local, local)] = value
    return named


def _check_value(element: str, name: str, value: str, href: str, book: Book, max_page: float) -> str | None:
    if name == "style":
        problems = css.check_declarations(value, book.rules(href, max_page))
        return f"in a `style` attribute: {problems[0].message}" if problems else None
    if name == "http-equiv" and value.strip().lower() != "content-type":
        return f"`<meta http-equiv=\"{value}\">`: only `content-type` is allowed"
    if element == "a" and name == "href":
        return _check_link(value, href, book)
    if element == "img" and name == "src" and not book.resource(href, value.strip()):
        return f"an image `{_shown(value)}` that is not one of the book's images"
    if element == "link" and name == "href" and book.path(href, value.strip()) not in book.stylesheets:
        return f"a link to `{_shown(value)}`, which is not one of the layout's stylesheets"
    if name == "cite" and urlsplit(_IGNORED_IN_URLS.sub("", value)).scheme.lower() not in ("", "http", "https"):
        return f"a `cite` of `{_shown(value)}`: only http(s) addresses are allowed"
    return None


def _shown(value: str) -> str:
    """A value as it can be printed: control characters escaped, at most 80 characters."""
    return _IGNORED_IN_URLS.sub(lambda m: m.group().encode("unicode_escape").decode() if m.group() != " " else " ",
                                value[:80])


def _check_link(value: str, href: str, book: Book) -> str | None:
    bare = _IGNORED_IN_URLS.sub("", value)
    scheme = urlsplit(bare).scheme.lower()
    if scheme:
        return None if scheme in LINK_SCHEMES else f"a link to `{_shown(value)}`: links may go to http(s), mailto " \
                                                   "and the book's own documents only"
    if bare.startswith("#"):
        return None
    target = book.path(href, bare)
    if target is None or target not in book.documents | book.resources:
        return f"a link to `{_shown(value)}`, which is not one of the book's documents"
    return None


def locate(layout: Layout, needle: str, *fallbacks: str) -> Location:
    """Where in the layout's templates `needle` is written (child layouts first), else the first of the templates
    `fallbacks` the layout has."""
    lowered = needle.lower()
    if lowered:
        for layer in layout.chain:
            for name, source in sorted(layer.templates.items()):
                index = source.lower().find(lowered)
                if index != -1:
                    line_start = source.rfind("\n", 0, index) + 1
                    return Location(f"{layer.folder}/templates/{name}", source.count("\n", 0, index) + 1,
                                    index - line_start + 1)
    for fallback in fallbacks:
        for layer in layout.chain:
            if fallback in layer.templates:
                return Location(f"{layer.folder}/templates/{fallback}")
    return Location(f"{layout.chain[0].folder}/templates")
