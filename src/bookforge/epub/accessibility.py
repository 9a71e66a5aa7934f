"""EPUB Accessibility 1.1 metadata derived from what the book's documents hold, and a check that the claims hold."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from bookforge.render.survey import Content, survey

CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def claims(content: Content, page_source: str | None, missing_glyphs: bool = False) -> list[tuple[str, str]]:
    """(property, value) for the package metadata; a feature is claimed only when the content has it, and
    conformance only while every character has a glyph (`missing_glyphs`: some print as empty boxes)."""
    modes = ["textual"] + (["visual"] if content.images else [])
    sufficient = ["textual"] if content.every_image_has_alt else []
    if content.images:
        sufficient.append("textual,visual")
    features = ["tableOfContents", "readingOrder", "displayTransformability", "ARIA"]
    if content.headings:
        features.insert(0, "structuralNavigation")
    if content.images and content.described and content.every_image_has_alt:
        features.append("alternativeText")
    if page_source and content.page_breaks:
        features += ["pageNavigation", "pageBreakMarkers"]
    result = [("schema:accessMode", mode) for mode in modes]
    result += [("schema:accessModeSufficient", mode) for mode in sufficient]
    result += [("schema:accessibilityFeature", feature) for feature in features]
    # Text and still images only: nothing flashes, moves or sounds.
    result.append(("schema:accessibilityHazard", "none"))
    result.append(("schema:accessibilitySummary", summary(content, page_source, missing_glyphs)))
    if content.every_image_has_alt and content.headings and not missing_glyphs:
        result.append(("dcterms:conformsTo", CONFORMS_TO))
    if page_source and content.page_breaks:
        result.append(("pageBreakSource", page_source))
    return result


def summary(content: Content, page_source: str | None, missing_glyphs: bool = False) -> str:
    parts = ["This publication meets EPUB Accessibility 1.1 at WCAG 2.2 Level AA" if content.every_image_has_alt
             and content.headings and not missing_glyphs else "This publication does not fully meet EPUB "
             "Accessibility 1.1" + (" (some characters have no glyph in its fonts)" if missing_glyphs else ""),
             "; it has a linked table of contents, a heading for every chapter and entry, and a logical reading order."]
    if content.images:
        parts.append(f" {'Every image has' if content.every_image_has_alt else 'Not every image has'} a text "
                     "description" + (", decorative images are marked as such." if content.decorative else "."))
    if page_source and content.page_breaks:
        parts.append(f" Page numbers ({content.page_breaks} page-break markers and a page list) follow the print "
                     f"edition {page_source}.")
    parts.append(" Text can be resized and restyled by the reader; there are no sounds, flashing or motion.")
    return "".join(parts)


def audit(opf: etree._Element, documents: Mapping[str, etree._Element], page_list: int) -> list[str]:
    """Claims in a finished package checked against its documents; returns what does not hold."""
    opf_ns = {"opf": "http://www.idpf.org/2007/opf"}
    meta: dict[str, list[str]] = {}
    for element in opf.iterfind("opf:metadata/opf:meta[@property]", opf_ns):
        meta.setdefault(element.get("property"), []).append((element.text or "").strip())
    content = survey(documents)
    features = set(meta.get("schema:accessibilityFeature", []))
    problems = []
    for required in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                     "schema:accessibilityHazard", "schema:accessibilitySummary"):
        if not meta.get(required):
            problems.append(f"no `{required}` metadata")
    if "alternativeText" in features and not (content.images and content.every_image_has_alt):
        problems.append("claims alternativeText, but not every image has a text alternative")
    if content.images and "visual" not in meta.get("schema:accessMode", []):
        problems.append("has images but does not list the visual access mode")
    if ({"pageNavigation", "pageBreakMarkers"} & features) and not (content.page_breaks and page_list):
        problems.append("claims page navigation, but has no page-break markers or no page list")
    if content.page_breaks and not meta.get("pageBreakSource"):
        problems.append("has page-break markers but no pageBreakSource")
    if content.page_breaks != page_list:
        problems.append(f"{content.page_breaks} page-break markers but {page_list} entries in the page list")
    if CONFORMS_TO in meta.get("dcterms:conformsTo", []) and not content.every_image_has_alt:
        problems.append("claims conformance with images that have no text alternative")
    for name, root in documents.items():
        if not root.get("{http://www.w3.org/XML/1998/namespace}lang"):
            problems.append(f"{name}: no xml:lang")
        for marker in root.iter():
            if "pagebreak" in (marker.get(EPUB_TYPE) or "").split() and not marker.get("aria-label"):
                problems.append(f"{name}: a page-break marker without a label")
    return problems
