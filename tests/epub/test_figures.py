"""Figures in the EPUB: the images carried with their media types, alt text, captions, decorative images marked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from bookforge.epub import accessibility as a11y
from tests.books import FIGURES_CHAPTER, figures_project

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return figures_project(tmp_path / "book")


@pytest.mark.slow
def test_the_epub_carries_the_images_and_passes_epubcheck(project: Path, epubcheck):
    (ebook,) = build(project, ["ebook"]).editions

    assert epubcheck(ebook.path) == []
    with zipfile.ZipFile(ebook.path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        chapter = etree.fromstring(epub.read("EPUB/chapter.xhtml"))
        assert epub.read("EPUB/images/launch.png")[:8] == b"\x89PNG\r\n\x1a\n"
    types = {item.get("href"): item.get("media-type") for item in opf.iter("{*}item")}
    assert types["images/launch.png"] == "image/png"
    assert types["images/stars.svg"] == "image/svg+xml"
    images = {img.get("src"): img for img in chapter.iter(f"{XHTML}img")}
    assert images["images/launch.png"].get("alt") == "A rocket rising over the desert at dawn."
    assert images["images/stars.svg"].get("alt") == ""
    assert images["images/stars.svg"].get("role") == "presentation"
    caption = chapter.find(f".//{XHTML}figcaption")
    assert caption.find(f"{XHTML}em").text == "as the film shows it"
    features = [m.text for m in opf.iter("{*}meta") if m.get("property") == "schema:accessibilityFeature"]
    assert "alternativeText" in features


def test_decorative_images_are_marked_and_the_claims_still_hold(project: Path):
    only_decorative = FIGURES_CHAPTER.replace("    alt: A rocket rising over the desert at dawn.\n",
                                              "    decorative: true\n")
    (project / "manuscript" / "01-chapter.yaml").write_text(only_decorative, encoding="utf-8")
    (ebook,) = build(project, ["ebook"]).editions

    with zipfile.ZipFile(ebook.path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        documents = {name: etree.fromstring(epub.read(name)) for name in epub.namelist()
                     if name.endswith(".xhtml") and not name.endswith("nav.xhtml")}
    content = a11y.survey({"chapter": documents["EPUB/chapter.xhtml"]})
    assert (content.images, content.described, content.decorative) == (2, 0, 2)
    assert a11y.audit(opf, documents, 0) == []
