"""What a rendered book's documents hold, read once with lxml: the facts that the EPUB's accessibility claims and the
print preflight (PDF/UA) are checked against. Works on XHTML (namespaced) and HTML trees alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Content:
    images: int
    described: int
    """Images with a text alternative (non-empty alt)."""
    decorative: int
    """Images marked as decoration (empty alt)."""
    headings: bool
    """Every document has a heading (or an accessible name, for generated pages, or is the cover)."""
    page_breaks: int
    titled: bool
    """Every document has a non-empty <title>."""
    languages: bool
    """Every document's root element names its language."""
    undescribed: tuple[str, ...] = ()
    """Images with neither alt text nor a role or aria-hidden that marks them as decoration, as markup snippets."""

    @property
    def every_image_has_alt(self) -> bool:
        return self.described + self.decorative == self.images


def survey(documents: Mapping[str, etree._Element]) -> Content:
    images = described = decorative = page_breaks = 0
    headings = titled = languages = True
    undescribed = []
    for root in documents.values():
        elements = [(etree.QName(e).localname, e) for e in root.iter() if isinstance(e.tag, str)]
        for name, element in elements:
            if name == "img":
                images += 1
                alt = element.get("alt")
                described += bool(alt and alt.strip())
                decorative += alt == ""
                if not (alt and alt.strip()) and element.get("aria-hidden") != "true" and element.get("role") not in (
                        "presentation", "none"):
                    undescribed.append(etree.tostring(element, encoding="unicode", with_tail=False)[:80])
            page_breaks += "pagebreak" in (element.get(EPUB_TYPE) or "").split()
        named = any(name in ("h1", "h2", "h3") for name, _ in elements) or any(
            name == "section" and e.get("aria-label") for name, e in elements) or any(
            name == "img" and e.get("role") == "doc-cover" for name, e in elements)
        headings &= named
        titled &= any(name == "title" and (e.text or "").strip() for name, e in elements)
        languages &= bool((root.get("lang") or root.get(XML_LANG) or "").strip())
    return Content(images, described, decorative, headings, page_breaks, titled, languages, tuple(undescribed))
