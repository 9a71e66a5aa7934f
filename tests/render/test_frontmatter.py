"""Front and back matter as a publisher knows it: each type's semantics, heading and place in the contents; parts of
the book; the series, credits and ISBNs (tests/cases/real-book, the EPUB built once)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from bookforge.manuscript.load import load_book
from tests.books import REPO

BOOK = REPO / "tests" / "cases" / "real-book"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("matter") / "book"
    shutil.copytree(BOOK, root)
    shutil.copytree(REPO / "assets" / "fonts", root / "assets" / "fonts")
    return root


@pytest.fixture(scope="module")
def epub(project) -> zipfile.ZipFile:
    (result,) = build(project, ["ebook"])
    return zipfile.ZipFile(result.path)


def xhtml(epub: zipfile.ZipFile, name: str) -> etree._Element:
    return etree.fromstring(epub.read(f"EPUB/{name}"))


def test_each_part_of_the_book_has_its_kind_role_and_place_in_the_contents(project):
    parts = [(p.id, p.kind, p.role, p.in_toc, p.division) for p in load_book(project).parts]

    assert parts == [
        ("half-title", "half-title", "front", True, None), ("also-by", "also-by", "front", True, None),
        ("title-page", "title-page", "front", True, None), ("copyright-page", "copyright-page", "front", True, None),
        ("dedication", "dedication", "front", False, None), ("epigraph", "epigraph", "front", False, None),
        ("table-of-contents", "table-of-contents", "front", True, None),
        ("foreword", "foreword", "front", True, None), ("preface", "preface", "front", True, None),
        ("prologue", "prologue", "body", True, None),
        ("the-crossing", "part", "body", True, None), ("harbour", "chapter", "body", True, "the-crossing"),
        ("sea", "chapter", "body", True, "the-crossing"),
        ("the-return", "part", "body", True, None), ("east-wind", "chapter", "body", True, "the-return"),
        ("epilogue", "epilogue", "body", True, None), ("afterword", "afterword", "back", True, None),
        ("acknowledgements", "acknowledgements", "back", True, None),
        ("about-the-author", "about-the-author", "back", True, None), ("colophon", "colophon", "back", True, None)]


@pytest.mark.parametrize(("document", "epub_type", "role", "heading"), [
    ("foreword", "foreword", "doc-foreword", "Foreword"),
    ("preface", "preface", "doc-preface", "A Note on the Text"),
    ("prologue", "prologue", "doc-prologue", "Prologue"),
    ("epilogue", "epilogue", "doc-epilogue", "Epilogue"),
    ("afterword", "afterword", "doc-afterword", "Afterword"),
    ("acknowledgements", "acknowledgments", "doc-acknowledgments", "Acknowledgements"),
    ("about-the-author", None, None, "About the Author"),
    ("colophon", "colophon", "doc-colophon", "Colophon"),
    ("the-crossing", "part", "doc-part", "Part One The Crossing"),
    ("harbour", "chapter", "doc-chapter", "The Harbour"),
])
def test_front_and_back_matter_has_its_semantics_and_its_heading(epub, document, epub_type, role, heading):
    section = xhtml(epub, f"{document}.xhtml").find(".//x:body/x:section", NS)

    assert (section.get(EPUB_TYPE), section.get("role")) == (epub_type, role)
    assert " ".join("".join(section.find("x:h1", NS).itertext()).replace("\u00a0", " ").split()) == heading


def test_a_dedication_has_no_heading_and_is_not_in_the_contents(epub):
    # Before: a front-matter file with a heading, a contents entry and epub:type="preface".
    section = xhtml(epub, "dedication.xhtml").find(".//x:body/x:section", NS)
    nav = xhtml(epub, "nav.xhtml")

    assert (section.get(EPUB_TYPE), section.get("role"), section.get("aria-label")) == (
        "dedication", "doc-dedication", "Dedication")
    assert section.find(".//x:h1", NS) is None
    assert "For my mother, who taught me" in "".join(section.itertext())
    assert not nav.xpath("//x:nav[@epub:type='toc']//x:a[contains(@href, 'dedication')]", namespaces=NS)


def test_the_book_epigraph_keeps_its_source(epub):
    quote = xhtml(epub, "epigraph.xhtml").find(".//x:blockquote", NS)

    assert (quote.get(EPUB_TYPE), quote.get("role")) == ("epigraph", "doc-epigraph")
    assert "".join(quote.find("x:p[@class='attribution']", NS).itertext()) == "— John 3:8"


def test_the_contents_nest_each_part_s_chapters(epub):
    nav = xhtml(epub, "nav.xhtml")
    toc = nav.find(".//x:nav[@epub:type='toc']/x:ol", NS)
    top = [item.find("x:a", NS).text for item in toc.findall("x:li", NS)]
    part_one = toc.findall("x:li", NS)[3]

    assert top == ["Foreword", "A Note on the Text", "Prologue", "Part One: The Crossing", "Part Two: The Return",
                   "Epilogue", "Afterword", "Acknowledgements", "About the Author", "Colophon"]
    assert [a.text for a in part_one.findall("x:ol/x:li/x:a", NS)] == [
        "The Harbour", "What the Sea Keeps, and What It Gives Back"]
    book_toc = xhtml(epub, "table-of-contents.xhtml")
    assert [a.text for a in book_toc.findall(".//x:li[@class='toc-body toc-part']/x:ol/x:li/x:a", NS)] == [
        "The Harbour", "What the Sea Keeps, and What It Gives Back", "The East Wind"]


def test_landmarks_name_the_front_and_back_matter_that_has_one(epub):
    nav = xhtml(epub, "nav.xhtml")
    landmarks = [(a.get(EPUB_TYPE), a.get("href"))
                 for a in nav.findall(".//x:nav[@epub:type='landmarks']//x:a", NS)]

    assert landmarks == [("cover", "cover.xhtml"), ("titlepage", "title-page.xhtml"),
                         ("copyright-page", "copyright-page.xhtml"), ("toc", "table-of-contents.xhtml"),
                         ("foreword", "foreword.xhtml"), ("preface", "preface.xhtml"),
                         ("acknowledgments", "acknowledgements.xhtml"), ("colophon", "colophon.xhtml"),
                         ("bodymatter", "prologue.xhtml")]


def test_the_package_names_the_series_and_the_contributors_roles(epub):
    opf = etree.fromstring(epub.read("EPUB/content.opf"))
    meta = {(m.get("refines"), m.get("property")): m.text for m in opf.iterfind(".//opf:meta[@property]", NS)}

    assert [c.text for c in opf.iterfind(".//dc:creator", NS)] == ["Ada Lane"]
    assert [c.text for c in opf.iterfind(".//dc:contributor", NS)] == ["Tomás Ruiz", "Mara Olsen"]
    assert meta[("#creator1", "role")] == "ill" and meta[("#creator2", "role")] == "aui"
    assert meta[(None, "belongs-to-collection")] == "The Wind Trilogy"
    assert meta[("#series", "collection-type")] == "series" and meta[("#series", "group-position")] == "2"


def test_the_title_page_credits_contributors_as_a_publisher_does(epub):
    text = " ".join(xhtml(epub, "title-page.xhtml").find(".//x:body", NS).itertext()).split()

    # Before: the illustrator printed beside the author, as a co-author.
    assert " ".join(text) == ("The East Wind A Novel of the Salt Coast The Wind Trilogy, Book 2 * * * Ada Lane "
                              "Illustrated by Tomás Ruiz Foreword by Mara Olsen Harbour Lights Press")


def test_the_copyright_page_prints_each_edition_s_isbn_and_not_the_blurb(epub):
    text = "\n".join(t.strip() for t in xhtml(epub, "copyright-page.xhtml").find(".//x:body", NS).itertext()
                     if t.strip())

    assert "ISBN 978-0-00-000001-9 (ebook)\nISBN 978-0-00-000005-7 (Kobo ebook)\nISBN 978-0-00-000002-6 (paperback)" in text
    assert "Identifier" not in text and "waits for the east wind" not in text


def test_also_by_lists_the_series_and_links_to_stores_in_the_ebook_only(epub, project):
    page = xhtml(epub, "also-by.xhtml")

    assert page.find(".//x:h1", NS).text == "Also by Ada Lane"
    assert [a.get("href") for a in page.iterfind(".//x:a", NS)] == ["https://example.org/books/the-north-wind"]
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    loaded = load_project(project)
    printed = render(loaded.book, "paperback", loaded.layouts["paperback"]).documents[0].content
    assert "The North Wind" in printed and "example.org" not in printed


def test_front_and_back_matter_an_edition_adds_takes_its_usual_place(project, tmp_path):
    from bookforge.manuscript.model import edition_parts

    root = tmp_path / "book"
    shutil.copytree(project / "manuscript", root / "manuscript")
    shutil.copytree(project / "assets" / "images", root / "assets" / "images")
    (root / "manuscript" / "large-print-note.md").write_text("This edition is set in 17-point type.\n")
    book_yaml = root / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace(
        "    edition_title: Large Print Edition\n",
        "    edition_title: Large Print Edition\n    extra:\n      - preface: large-print-note.md\n"
        "      - colophon: large-print-note.md\n"))
    parts = [(p.id, p.role) for p in edition_parts(load_book(root), "large-print")]

    assert parts.index(("large-print-note", "front")) < parts.index(("prologue", "body"))
    assert parts[-1] == ("large-print-note-2", "back")
