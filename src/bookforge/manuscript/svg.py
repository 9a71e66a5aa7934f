"""What an SVG image may hold to go into a book: an allow-list of elements, attributes and references, each image's
`<use>` expansion counted. Anything else is refused, naming the element, never silently rewritten."""

from __future__ import annotations

import base64
import io
import math
import re
import warnings

import tinycss2
from lxml import etree

from bookforge import css

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
# What drawing programs write besides SVG: inert to every renderer (Inkscape, Sodipodi, RDF/Creative Commons/Dublin
# Core metadata, Illustrator, Sketch, Affinity). Any other namespace (XHTML, MathML...) is refused.
EDITOR_NAMESPACES = frozenset({
    "http://www.inkscape.org/namespaces/inkscape", "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://inkscape.sourceforge.net/DTD/sodipodi-0.dtd", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#", "http://web.resource.org/cc/", "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/", "http://ns.adobe.com/AdobeIllustrator/10.0/", "http://ns.adobe.com/Extensibility/1.0/",
    "http://ns.adobe.com/Graphs/1.0/", "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
    "http://www.bohemiancoding.com/sketch/ns", "http://www.serif.com/"})

# Shapes, paths, text, gradients, patterns, clipping and masking, markers, groups and references, a few cheap filters.
ELEMENTS = frozenset("""
svg g defs symbol use title desc metadata switch style
path rect circle ellipse line polyline polygon text tspan textPath
linearGradient radialGradient stop pattern clipPath mask marker image
filter feGaussianBlur feOffset feFlood feComposite feMerge feMergeNode feBlend feColorMatrix feDropShadow
""".split())
ATTRIBUTES = frozenset("""
id class style lang tabindex role focusable
x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength transform viewBox preserveAspectRatio
version baseProfile dx dy rotate textLength lengthAdjust startOffset method spacing side
offset gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits patternTransform
clipPathUnits maskUnits maskContentUnits markerWidth markerHeight markerUnits orient refX refY
filterUnits primitiveUnits in in2 result stdDeviation edgeMode mode operator k1 k2 k3 k4 values type
requiredFeatures requiredExtensions systemLanguage
fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin stroke-miterlimit
stroke-dasharray stroke-dashoffset opacity color clip-path clip-rule mask marker marker-start marker-mid marker-end
filter stop-color stop-opacity flood-color flood-opacity lighting-color visibility display overflow clip
font font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing kerning
text-decoration writing-mode glyph-orientation-vertical glyph-orientation-horizontal direction unicode-bidi
color-interpolation color-interpolation-filters color-profile color-rendering shape-rendering text-rendering
image-rendering vector-effect paint-order mix-blend-mode isolation enable-background transform-origin
""".split())
XML_ATTRIBUTES = frozenset({f"{{{XML}}}space", f"{{{XML}}}lang"})
# The elements whose href may name another element of the same image (`#id`); `image` may carry a bitmap inline.
LOCAL_REFERENCES = frozenset({"use", "textPath", "linearGradient", "radialGradient", "pattern", "filter"})
PAINT_SERVERS = frozenset({"linearGradient", "radialGradient", "stop"})
"""Referenced as paint: drawn once, whatever refers to them."""
MARKER_PROPERTIES = frozenset({"marker", "marker-start", "marker-mid", "marker-end"})
MAX_ELEMENTS = 50_000
"""Elements an image draws once every `<use>`, pattern, marker and mask is expanded (refs to refs multiply)."""
MAX_NESTING = 250
"""Elements inside elements plus references to references: deeper is refused (libxml2 stops at 256 levels)."""
MAX_SIDE = 20_000
"""The largest width, height or viewBox side of the image, in CSS pixels (208 in at 96 dpi)."""
MAX_INLINE_PIXELS = 5_600_000
INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
"""A DOCTYPE with declarations of its own; a plain `<!DOCTYPE svg PUBLIC ...>` (as Illustrator writes) is fine."""
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex|%)?\s*$")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_UNITS_PX = {None: 1, "px": 1, "pt": 96 / 72, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96, "em": 16, "ex": 8}
_LOCAL_ONLY = css.Rules(url_allowed=lambda url: url.startswith("#"), what="elements of the same image (`#id`)")


class Unsafe(Exception):
    """Why an SVG may not go into a book, naming the element and its line."""


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def check_svg(data: bytes) -> str | None:
    """None when the SVG holds only what a book image needs; otherwise why not, in an author's words."""
    try:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:  # UTF-16 and the like: one encoding to check
            raise Unsafe("it is not saved as UTF-8") from None
        if INTERNAL_SUBSET.search(data):
            raise Unsafe("it declares its own entities or DTD (`<!DOCTYPE svg [...]>`), which a book image may not")
        root = etree.fromstring(data, parser())
        _check_document(root)
        elements = _check_tree(root)
        _check_size(root)
        _count_expansion(root, elements)
    except Unsafe as exc:
        return str(exc)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return f"it is not well-formed XML ({exc})"
    return None


def _at(node) -> str:
    return f" (line {node.sourceline})" if getattr(node, "sourceline", None) else ""


PREFIXES = {XML: "xml:", XLINK: "xlink:", "http://www.w3.org/1999/xhtml": "html:"}


def _name(node_or_name) -> str:
    """An element's or attribute's name as an author would write it (`xlink:href`, `html:script`)."""
    qname = etree.QName(node_or_name)
    if qname.namespace in (SVG, None):
        return qname.localname
    return PREFIXES.get(qname.namespace, f"{{{qname.namespace}}}") + qname.localname


def _check_document(root) -> None:
    for sibling in [*root.itersiblings(preceding=True), *root.itersiblings()]:
        if isinstance(sibling, etree._ProcessingInstruction):
            raise Unsafe(f"it has a processing instruction `<?{sibling.target} ...?>`{_at(sibling)}, which a book "
                         "image may not have")
    if root.tag != f"{{{SVG}}}svg":
        raise Unsafe(f"its root element is <{_name(root)}>, not <svg>")


def _check_tree(root) -> list:
    """Every node against the allow-lists; returns the SVG elements."""
    elements = []
    for node in root.iter():
        if isinstance(node, etree._Comment):
            continue
        if isinstance(node, etree._ProcessingInstruction):
            raise Unsafe(f"it has a processing instruction `<?{node.target} ...?>`{_at(node)}, which a book image "
                         "may not have")
        if isinstance(node, etree._Entity):
            raise Unsafe(f"it uses the entity `&{node.name};`{_at(node)}, which a book image may not")
        namespace = etree.QName(node).namespace
        if namespace in EDITOR_NAMESPACES:
            _check_editor_node(node)
            continue
        if namespace != SVG:
            raise Unsafe(f"it has a <{_name(node)}> element{_at(node)}, which a book image may not have")
        check_element(node, etree.QName(node).localname)
        elements.append(node)
    return elements


def check_element(node, local: str, attributes: dict[str, str] | None = None) -> None:
    """One SVG element (`local` is its name) and its attributes (`{namespace}name`: value, the node's own by
    default) against the allow-lists; raises Unsafe."""
    if local not in ELEMENTS:
        raise Unsafe(f"it has a <{local}> element{_at(node)}, which a book image may not have")
    for name, value in (node.attrib if attributes is None else attributes).items():
        _check_attribute(node, local, name, value)
    if local == "style":
        problems, _ = css.check_stylesheet(node.text or "", _LOCAL_ONLY)
        if problems:
            raise Unsafe(f"its <style> element{_at(node)}: {problems[0].message}")


def _check_editor_node(node) -> None:
    """A drawing program's own element: inert, but its attributes may not be SVG's or XLink's."""
    for name in node.attrib:
        if etree.QName(name).namespace not in EDITOR_NAMESPACES | {None, XML}:
            raise Unsafe(f"its <{_name(node)}> element{_at(node)} has the attribute `{_name(name)}`, which a book "
                         "image may not have")


def _check_attribute(node, local: str, name: str, value: str) -> None:
    try:
        qname = etree.QName(name)
    except ValueError:  # `foo:bar` left by an HTML parser: no namespace, no such attribute
        raise Unsafe(f"its <{local}> element{_at(node)} has the attribute `{name}`, which a book image may not "
                     "have") from None
    if qname.namespace in EDITOR_NAMESPACES or name in XML_ATTRIBUTES:
        return
    if qname.localname == "href" and qname.namespace in (None, XLINK):
        _check_href(node, local, value)
        return
    if qname.namespace is not None or not (name in ATTRIBUTES or name.startswith(("data-", "aria-"))):
        raise Unsafe(f"its <{local}> element{_at(node)} has the attribute `{_name(name)}`, which a book image may not "
                     "have")
    if name == "style":
        problems = css.check_declarations(value, _LOCAL_ONLY)
        if problems:
            raise Unsafe(f"the style of its <{local}> element{_at(node)}: {problems[0].message}")
    elif "(" in value or "\\" in value:
        for url, _ in css.urls(tinycss2.parse_component_value_list(value)):
            if not url.startswith("#"):
                raise Unsafe(f"its <{local}> element{_at(node)} refers to `{url[:80]}` in `{name}`; a book image may "
                             "refer only to its own elements (`#id`)")


def _check_href(node, local: str, value: str) -> None:
    if local in LOCAL_REFERENCES and value.strip().startswith("#"):
        return
    if local == "image":
        inline = css.DATA_IMAGE.match(value)
        if inline is not None:
            _check_inline_bitmap(node, inline[2])
            return
        raise Unsafe(f"its <image> element{_at(node)} shows `{value[:80]}`; an image inside an SVG must be embedded "
                     "(a PNG, JPEG or GIF `data:` URL), not a link to another file")
    raise Unsafe(f"its <{local}> element{_at(node)} links to `{value[:80]}`; a book image may refer only to its own "
                 "elements (`#id`)")


def _check_inline_bitmap(node, encoded: str) -> None:
    problem = bitmap_problem(encoded)
    if problem is not None:
        raise Unsafe(f"the bitmap embedded in its <image> element{_at(node)} {problem}")


def bitmap_problem(encoded: str, unreadable_ok: bool = False) -> str | None:
    """None when base64 `encoded` is a PNG, JPEG or GIF of at most MAX_INLINE_PIXELS (or, with `unreadable_ok`,
    no image at all: it is then drawn as nothing); otherwise what is wrong."""
    from PIL import Image

    try:
        data = base64.b64decode(re.sub(r"\s+", "", encoded), validate=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                kind, (width, height) = opened.format, opened.size
    except Exception:  # Pillow's many errors for a broken file, binascii's for bad base64
        return None if unreadable_ok else "cannot be read"
    if kind not in ("PNG", "JPEG", "GIF") or width * height > MAX_INLINE_PIXELS:
        return f"is not a PNG, JPEG or GIF of at most {MAX_INLINE_PIXELS / 1e6:.1f} megapixels"
    return None


def _check_size(root) -> None:
    for name in ("width", "height"):
        value = root.get(name)
        if value is None:
            continue
        match = _LENGTH.match(value)
        if match is None:
            raise Unsafe(f"its `{name}` is `{value[:40]}`, not a length")
        number = float(match[1])
        pixels = number if match[2] == "%" else number * _UNITS_PX[match[2]]
        if not (math.isfinite(number) and 0 < pixels <= (MAX_SIDE if match[2] != "%" else 100)):
            raise Unsafe(f"its `{name}` of `{value.strip()}` is not a size an image can have (more than 0, at most "
                         f"{MAX_SIDE:,} px)")
    box = root.get("viewBox")
    if box is not None:
        numbers = [float(n) for n in _NUMBER.findall(box)]
        if (len(numbers) != 4 or not all(math.isfinite(n) and abs(n) <= 1e9 for n in numbers)
                or not (0 < numbers[2] and 0 < numbers[3])):
            raise Unsafe(f"its `viewBox` of `{box[:60]}` is not four numbers with a width and height above 0")


def _count_expansion(root, elements: list) -> None:
    """Refuse an image whose references (`<use>` of `<use>`..., patterns, markers, masks) would make it draw more
    than MAX_ELEMENTS elements: each level of a reference multiplies the work."""
    ids = {node.get("id"): node for node in elements if node.get("id")}
    sheet_refs = [url[1:] for node in elements if etree.QName(node).localname == "style"
                  for url, _ in css.urls(tinycss2.parse_component_value_list(node.text or ""))]
    cost: dict[int, int] = {}
    active: set[int] = set()

    def refs(node) -> list[tuple[str, int]]:
        found = []
        href = node.get("href") or node.get(f"{{{XLINK}}}href")
        if href and href.strip().startswith("#"):
            found.append((href.strip()[1:], 1))
        vertices = max(1, len(_NUMBER.findall(node.get("d", "") + node.get("points", ""))) // 2)
        declarations = [(name, value) for name, value in node.attrib.items() if "url(" in value and name != "style"]
        declarations += _declarations(node.get("style", ""))
        for name, value in declarations:
            for url, _ in css.urls(tinycss2.parse_component_value_list(value)):
                found.append((url[1:], vertices if name in MARKER_PROPERTIES else 1))
        return found

    def expanded(node) -> int:
        key = id(node)
        if key in cost:
            return cost[key]
        if len(active) > MAX_NESTING:
            raise Unsafe(f"its elements and references nest more than {MAX_NESTING} deep{_at(node)}")
        if key in active:
            raise Unsafe(f"its <{etree.QName(node).localname}> element{_at(node)} refers to itself, through the "
                         "elements it refers to")
        active.add(key)
        total = 1 + sum(expanded(child) for child in node if isinstance(child.tag, str)
                        and etree.QName(child).namespace == SVG)
        for target_id, times in refs(node):
            target = ids.get(target_id)
            if target is not None and etree.QName(target).localname not in PAINT_SERVERS:
                total += times * expanded(target)
            if total > MAX_ELEMENTS:
                break
        active.discard(key)
        if total > MAX_ELEMENTS:
            raise Unsafe(f"its <{etree.QName(node).localname}> element{_at(node)} expands to more than "
                         f"{MAX_ELEMENTS:,} elements once its references (<use> of <use>, patterns, markers) are "
                         "followed")
        cost[key] = total
        return total

    total = expanded(root)
    # A stylesheet's reference may apply to every element: counted once per element.
    for target_id in sheet_refs:
        target = ids.get(target_id)
        if target is not None and etree.QName(target).localname not in PAINT_SERVERS:
            total += len(elements) * expanded(target)
            if total > MAX_ELEMENTS:
                raise Unsafe(f"its <style> element refers to `#{target_id}` for every element it styles, which "
                             f"expands to more than {MAX_ELEMENTS:,} elements")


def _declarations(style: str) -> list[tuple[str, str]]:
    return [(node.lower_name, tinycss2.serialize(node.value)) for node in
            tinycss2.parse_blocks_contents(style, skip_comments=True, skip_whitespace=True)
            if node.type == "declaration"]
