"""Entries of declared types rendered (issue 14): the generic template, a layout's own template, references,
group headings, contents and the stylesheet, in memory."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from bookforge.epub.writer import write_epub
from bookforge.project import load_project
from bookforge.render.rendition import Rendition, render
from bookforge.render.survey import survey
from tests.books import REPO
from tests.dictionary import make as make_dictionary

BOOKS = REPO / "tests" / "cases"
"""The cookbook and the field guide (the dictionary is generated: tests/dictionary.py)."""
XHTML = "{http://www.w3.org/1999/xhtml}"


def renditions(root: Path) -> dict[str, Rendition]:
    project = load_project(root)
    return {name: render(project.book, name, project.layouts[name]) for name in project.editions}


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, dict[str, Rendition]]:
    work = tmp_path_factory.mktemp("types-render")
    found = {}
    for name in ("cookbook", "field-guide"):
        shutil.copytree(BOOKS / name, work / name)
        shutil.copytree(REPO / "assets", work / name / "assets", dirs_exist_ok=True)
        found[name] = renditions(work / name)
    found["dictionary"] = renditions(make_dictionary(work / "dictionary"))
    return found


def document(rendition: Rendition, href: str) -> etree._Element:
    (found,) = [d for d in rendition.documents if d.href == href]
    return etree.fromstring(found.content.encode("utf-8"))


def book_html(rendition: Rendition) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(rendition.documents[0].content)


def test_a_type_without_a_template_gets_every_field_in_order_with_its_label(books):
    soups = document(books["cookbook"]["ebook"], "soups.xhtml")
    (leek,) = soups.iterfind(f".//{XHTML}article[@id='soups-entry-1']")

    assert leek.get("class") == "entry recipe declared-entry"
    assert "".join(leek.find(f"{XHTML}h2").itertext()) == "Leek and Potato\u00a0Soup"  # no short last word alone
    facts = leek.find(f"{XHTML}p[@class='entry-facts']")
    assert "".join(facts.itertext()) == "Serves\u00a04 · Time\u00a045 minutes · Vegetarian"
    labels = [label.text for label in leek.iterfind(f".//{XHTML}p[@class='field-label']")]
    assert labels == ["Ingredients", "Method", "Notes"]  # the headnote's label is "": none
    assert len(leek.findall(f".//{XHTML}ul[@class='field-items']/{XHTML}li")) == 6
    assert len(leek.findall(f".//{XHTML}ol[@class='field-items']/{XHTML}li")) == 4
    order = [element.get("class") for element in leek if element.get("class")]
    assert order == ["entry-title", "entry-facts", "field field-headnote prose", "field field-ingredients list",
                     "field field-steps list", "field field-notes prose", "entry-facts"]


def test_a_reference_links_to_its_entry_and_in_print_gives_its_page(books):
    ebook = books["cookbook"]["ebook"]
    (link,) = document(ebook, "soups.xhtml").iterfind(f".//{XHTML}article[@id='soups-entry-4']//{XHTML}a")
    assert (link.get("href"), link.text) == ("soups.xhtml#soups-entry-3", "Lentil Soup with Lemon")
    assert document(ebook, "soups.xhtml").find(f".//{XHTML}article[@id='soups-entry-3']") is not None

    html = book_html(books["cookbook"]["paperback"])
    (entry,) = html.xpath("//article[@id='mains-entry-1']")
    see = entry.xpath(".//p[@class='entry-facts'][last()]")[0]
    assert [a.get("href") for a in see.iter("a")] == ["#soups-entry-4", "#soups-entry-4"]
    assert see.xpath(".//span[@class='page-ref']/a")[0].text == "p.\u00a0"
    css = "\n".join(sheet for _, sheet in books["cookbook"]["paperback"].stylesheets)
    assert ".page-ref a::after { content: target-counter(attr(href url), page); }" in css


def test_a_layout_template_refines_a_type_and_the_other_edition_keeps_the_generic_one(books):
    html = book_html(books["field-guide"]["paperback"])
    assert len(html.xpath("//article[contains(@class, 'species')]//div[@class='species-head']")) == 8
    ebook = document(books["field-guide"]["ebook"], "birds.xhtml")
    assert len(ebook.findall(f".//{XHTML}article[@class='entry species declared-entry grouped']")) == 8


def test_grouped_entries_get_a_heading_for_each_group_and_no_ornament(books):
    chapter = document(books["dictionary"]["ebook"], "a-l.xhtml")
    letters = [h.text for h in chapter.iterfind(f".//{XHTML}h2[@class='entry-group']")]
    assert letters == sorted(letters) and letters[0] == "A" and "E" in letters and letters[-1] == "L"
    assert chapter.find(f".//{XHTML}p[@class='ornament']") is None
    assert len(chapter.findall(f".//{XHTML}h3[@class='entry-title']")) > 450
    assert "É" not in letters  # éclair is filed under E

    guide = document(books["field-guide"]["ebook"], "birds.xhtml")
    families = [h.text for h in guide.iterfind(f".//{XHTML}h2[@class='entry-group']")]
    assert families == ["Thrushes", "Tits", "Starlings", "Wrens", "Finches", "Crows", "Sparrows"]  # as declared
    (robin,) = guide.iterfind(f".//{XHTML}article[@id='birds-entry-2']")
    assert "Robin" in "".join(robin.itertext()) and "Thrushes" not in "".join(robin.itertext())


def test_the_contents_list_the_entries_or_groups_of_types_that_ask(books):
    contents = document(books["cookbook"]["ebook"], "table-of-contents.xhtml")
    soups = contents.find(f".//{XHTML}li[@class='toc-body']")
    assert [a.text for a in soups.iterfind(f".//{XHTML}ol[@class='toc-entries']//{XHTML}a")] == [
        "Leek and Potato Soup", "Pea and Mint Soup", "Lentil Soup with Lemon", "Chicken Broth"]

    dictionary = books["dictionary"]["ebook"]
    epub = write_epub(dictionary, datetime(2026, 1, 1, tzinfo=UTC), b"\xff\xd8\xff\xd9")
    nav = etree.fromstring(zipfile.ZipFile(io.BytesIO(epub)).read("EPUB/nav.xhtml"))
    toc = nav.find(f".//{XHTML}nav")
    chapter = next(li for li in toc.iter(f"{XHTML}li") if li.find(f"{XHTML}a") is not None
                   and li.find(f"{XHTML}a").text == "A–L")
    letters = [a.text for a in chapter.iterfind(f"{XHTML}ol/{XHTML}li/{XHTML}a")]
    assert letters[:3] == ["A", "B", "C"]
    assert all(re.fullmatch(r"a-l\.xhtml#a-l-group-\d+", a.get("href"))
               for a in chapter.iterfind(f"{XHTML}ol/{XHTML}li/{XHTML}a"))


def test_only_books_with_types_of_their_own_get_the_entries_stylesheet(books):
    sample = load_project(REPO)
    plain = render(sample.book, "ebook", sample.layouts["ebook"])
    assert [path for path, _ in plain.stylesheets] == ["styles/0-base-base.css", "styles/1-ebook-ebook.css"]
    assert [path for path, _ in books["cookbook"]["ebook"].stylesheets] == [
        "styles/0-base-base.css", "styles/0-base-entries.css", "styles/1-ebook-ebook.css"]


def test_every_picture_of_the_field_guide_has_its_text_alternative(books):
    ebook = books["field-guide"]["ebook"]
    trees = {d.href: etree.fromstring(d.content.encode("utf-8")) for d in ebook.documents}
    content = survey(trees)
    assert (content.images, content.described, content.undescribed) == (9, 9, ())
    assert sorted(ebook.images) == sorted(f"images/{name}.png" for name in (
        "blackbird", "blue-tit", "goldfinch", "house-sparrow", "magpie", "robin", "starling", "wren"))
