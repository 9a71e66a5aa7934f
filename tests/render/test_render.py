"""Rendering in memory: typography, inline Markdown, unsafe links, well-formed XHTML, one set of templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render.rendition import Rendition, render
from tests.books import REPO

XHTML = "{http://www.w3.org/1999/xhtml}"

BOOK_YAML = """\
metadata:
  title: Typography Test
  creators: [{name: Test Author}]
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000001
contents:
  - table-of-contents
  - chapter: 01-chapter.yaml
editions:
  ebook: {format: epub, layout: ebook, identifier: urn:isbn:9780000000019}
  paperback: {format: pdf, layout: print, identifier: urn:isbn:9780000000026}
"""
CHAPTER_YAML = """\
title: The "Quoted" Chapter
entries:
  - type: scene
    title: A Teacher's Encouragement
    text: |-
      She said, "It's late," and he answered 'not yet'. The years 1990--2000 passed---slowly.
      A pause... then one - two.

      Some *emphasis*, some **strong words** and [a safe link](https://example.org/page).

      Bad links: [one](javascript:alert(1)), [two](JavaScript:alert(2)), <javascript:alert(3)>,
      [four](&#106;avascript:alert(4)) and [five]( javascript:alert(5) ).
    context: Rock 'n' roll in the '90s.
  - type: note
    title: Second Note
    text: Plain text.
    why_it_matters: It matters.
"""


def _renditions(root: Path) -> dict[str, Rendition]:
    book = load_book(root)
    return {name: render(book, name, load_layout(root, edition.layout)) for name, edition in book.editions.items()}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict[str, Rendition]:
    """A one-chapter book whose text exercises the typographer and the inline Markdown."""
    root = tmp_path_factory.mktemp("render") / "tiny"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.yaml").write_text(BOOK_YAML, encoding="utf-8")
    (root / "manuscript" / "01-chapter.yaml").write_text(CHAPTER_YAML, encoding="utf-8")
    shutil.copytree(REPO / "assets", root / "assets")
    before = sorted(root.rglob("*"))
    renditions = _renditions(root)
    assert sorted(root.rglob("*")) == before, "rendering wrote files"
    return renditions


@pytest.fixture(scope="module")
def sample() -> dict[str, Rendition]:
    return _renditions(REPO)


def _chapter(rendition: Rendition) -> etree._Element:
    (document,) = [d for d in rendition.documents if d.kind == "chapter"]
    return etree.fromstring(document.content.encode("utf-8"))


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_typography_of_quotes_apostrophes_dashes_and_ellipsis(tiny):
    text = _text(_chapter(tiny["ebook"]))
    assert "She said, “It’s late,” and he answered ‘not yet’." in text
    assert "The years 1990–2000 passed—slowly." in text
    assert "A pause… then one – two." in text
    assert "A Teacher’s Encouragement" in text
    assert "The “Quoted” Chapter" in text
    assert not any(c in text.split("Context")[0] for c in "\"'"), "a straight quote was left"


def test_elision_apostrophes_are_apostrophes(tiny):
    assert "Rock ’n’ roll in the ’90s." in _text(_chapter(tiny["ebook"]))


def test_sample_titles_get_curly_apostrophes(sample):
    titles = [_text(h) for d in sample["ebook"].documents if d.kind == "chapter"
              for h in etree.fromstring(d.content.encode()).iter(f"{XHTML}h2")]
    assert len(titles) == 42
    assert "A Teacher’s Encouragement" in titles
    assert not [t for t in titles if "'" in t]


def test_inline_markdown_emphasis_strong_and_links(tiny):
    chapter = _chapter(tiny["ebook"])
    assert [_text(e) for e in chapter.iter(f"{XHTML}em")] == ["emphasis"]
    assert [_text(e) for e in chapter.iter(f"{XHTML}strong")] == ["strong words"]
    safe = [a for a in chapter.iter(f"{XHTML}a") if a.get("href") == "https://example.org/page"]
    assert [_text(a) for a in safe] == ["a safe link"]


def test_javascript_links_are_not_links(tiny):
    for rendition in tiny.values():
        for document in rendition.documents:
            root = lxml.html.document_fromstring(document.content.encode("utf-8"))
            hrefs = [a.get("href") or "" for a in root.iter("{*}a", "a")]
            assert not [h for h in hrefs if "script" in h.lower()], (rendition.edition_name, hrefs)
            assert "javascript:alert(1)" in document.content or document.kind != "chapter"


def test_every_epub_document_is_well_formed_xml(sample, tiny):
    for rendition in (sample["ebook"], tiny["ebook"]):
        assert len(rendition.documents) >= 2
        for document in rendition.documents:
            root = etree.fromstring(document.content.encode("utf-8"))  # raises on the first error
            assert root.tag == f"{XHTML}html", document.href


def _entries(root, namespace: str) -> list[list[tuple]]:
    """Each entry as a list of (tag, class, text) in document order: its markup without ids."""
    entries = []
    for article in root.iter(f"{namespace}article"):
        entries.append([(e.tag.removeprefix(namespace), e.get("class"), " ".join((e.text or "").split()))
                        for e in article.iter() if isinstance(e.tag, str)])
    return entries


def test_one_set_of_templates_for_ebook_and_print(sample):
    ebook = [entry for d in sample["ebook"].documents
             for entry in _entries(etree.fromstring(d.content.encode("utf-8")), XHTML)]
    (book,) = sample["paperback"].documents
    printed = _entries(lxml.html.document_fromstring(book.content.encode("utf-8")), "")
    assert len(ebook) == 42
    assert printed == ebook
    assert {entry[0][1] for entry in ebook} == {"entry scene", "entry note"}
    assert all(entry[1][:2] == ("h2", "entry-title") for entry in ebook)
