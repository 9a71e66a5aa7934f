"""Issues 13 and 14 together: a book's own entry types in prose chapters (`text:`, prose between entries, a Markdown
chapter), footnotes numbered through prose and declared fields alike, images in prose loaded as the declared
`figure` type's entries, sorted entries around prose, and the contents of a book with parts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree

from bookforge.manuscript.load import load_book
from bookforge.manuscript.model import ProseBlock
from bookforge.project import load_project
from bookforge.render.rendition import render
from tests.books import REPO, load_problems

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
TYPES = """\
recipe:
  contents: true
  sort_by: title
  fields:
    title: {kind: line, required: true}
    serves: {kind: number, label: {en: Serves}}
    steps: {kind: list, of: prose, numbered: true, required: true, label: {en: Method}}
    see_also: {kind: list, of: reference, to: recipe, label: {en: See also}}
"""
BOOK = """\
metadata:
  title: Soups and Stories
  creators:
    - name: Jane Doe
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000000
contents:
  - title-page
  - table-of-contents
  - part: Winter
    contents:
      - chapter: 01-soups.yaml
      - chapter: 02-more.md
editions:
  ebook:
    format: epub
    layout: ebook
    identifier: urn:isbn:9780000000019
  paperback:
    format: pdf
    layout: print
    identifier: urn:isbn:9780000000026
"""
SOUPS = """\
title: Soups
text: >-
  Soup is older than the pot.[^pot]

  [^pot]: Skins and stones came first.
entries:
  - type: recipe
    title: Pea Soup
    serves: 4
    steps:
      - >-
        Soak the peas overnight.[^soak]

        [^soak]: Or buy them split.
      - Simmer them for an hour.
    see_also: [Leek Soup]
  - text: >-
      Between the recipes, a word on stock.[^stock]

      ![A pot on the stove](images/pot.png)

      [^stock]: Bones, onions and time.
  - type: recipe
    title: Leek Soup
    steps:
      - Sweat the leeks in butter.
"""
MORE = """\
---
title: More Soups
entries:
  - type: recipe
    title: Onion Soup
    steps:
      - Brown the onions slowly.
---
A Markdown chapter's text, then its entries.
"""


def soup_book(folder: Path, soups: str = SOUPS) -> Path:
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True)
    for name, text in (("book.yaml", BOOK), ("types.yaml", TYPES), ("01-soups.yaml", soups), ("02-more.md", MORE)):
        (manuscript / name).write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "assets", folder / "assets")
    (folder / "assets" / "images").mkdir(exist_ok=True)
    shutil.copy(REPO / "tests" / "cases" / "field-guide" / "assets" / "images" / "robin.png",
                folder / "assets" / "images" / "pot.png")
    return folder


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return soup_book(tmp_path_factory.mktemp("soups") / "book")


def test_chapters_yaml_and_markdown_are_made_by_the_books_types(book):
    loaded = load_book(book)
    soups, more = loaded.chapters[1], loaded.chapters[2]

    assert type(soups).__module__ == "bookforge.manuscript.entries"  # the declared chapter model, not Chapter
    # Sorted by title (Leek before Pea); the prose between them stays where it was written.
    assert [type(e).__name__ if isinstance(e, ProseBlock) else e.title for e in soups.entries] == [
        "Leek Soup", "ProseBlock", "Pea Soup"]
    assert [e.title for e in more.typed_entries] == ["Onion Soup"] and more.text.startswith("A Markdown chapter")
    # The image in prose is an entry of the declared figure type, located at its file's name.
    (use,) = soups.figures()
    assert (use.src, use.alt, use.entry.type, type(use.entry).declared.name) == (
        "images/pot.png", "A pot on the stove", "figure", "figure")
    assert str(use.entry.location_of("src")) == "manuscript/01-soups.yaml:20:29"
    assert set(loaded.images) == {"images/pot.png"}


def test_footnotes_number_through_the_text_the_entries_and_the_prose_between_them(book):
    project = load_project(book)
    ebook = render(project.book, "ebook", project.layouts["ebook"])
    (soups,) = [d for d in ebook.documents if d.href == "soups.xhtml"]
    root = etree.fromstring(soups.content.encode("utf-8"))
    notes = [" ".join("".join(aside.itertext()).split()) for aside in root.iterfind(".//x:aside", XHTML)]

    # In reading order: the chapter's text, the first recipe (Leek, sorted first, has none), the prose, then Pea's.
    assert notes == ["1 Skins and stones came first.", "2 Bones, onions and time.", "3 Or buy them split."]
    assert [img.get("alt") for img in root.iterfind(".//x:img", XHTML)] == ["A pot on the stove"]
    # The ornament goes only between two entries, never after prose.
    blocks = [el.get("class") for el in root.find(".//x:section", XHTML) if el.tag.endswith(("article", "p", "div"))]
    assert "ornament" not in blocks[blocks.index("prose") - 1:blocks.index("prose") + 2]


def test_the_contents_nest_chapters_under_their_part_and_recipes_under_their_chapter(book):
    project = load_project(book)
    ebook = render(project.book, "ebook", project.layouts["ebook"])
    (contents,) = [d for d in ebook.documents if d.kind == "table-of-contents"]
    root = etree.fromstring(contents.content.encode("utf-8"))
    part = root.find(".//x:li[@class='toc-body toc-part']", XHTML)

    assert [a.text for a in part.iterfind(".//x:a", XHTML)] == [
        "Winter", "Soups", "Leek Soup", "Pea Soup", "More Soups", "Onion Soup"]
    assert [(d.title, d.division, [title for _, title in d.contents]) for d in ebook.documents if d.in_toc] == [
        ("Winter", None, []), ("Soups", "winter", ["Leek Soup", "Pea Soup"]),
        ("More Soups", "winter", ["Onion Soup"])]
    # Entries are numbered by the typed entries alone (the prose between them takes no number), in print as well.
    paperback = render(project.book, "paperback", project.layouts["paperback"]).documents[0].content
    assert '<li><a href="#soups-entry-2">Pea Soup</a></li>' in paperback
    assert '<article id="soups-entry-2" class="entry recipe declared-entry" aria-labelledby="soups-entry-2-title">' \
        in paperback


def test_a_footnote_in_a_declared_list_of_prose_is_checked_where_it_is_written(tmp_path):
    broken = SOUPS.replace("      - Simmer them for an hour.", "      - Simmer them for an hour.[^gone]")
    root = soup_book(tmp_path / "book", broken)

    assert load_problems(root) == [
        "manuscript/01-soups.yaml:15:33: error[undefined-footnote]: the footnote `[^gone]` is not defined in this text"]


def test_a_type_may_not_take_the_name_of_a_prose_block_or_a_kind_of_front_matter(tmp_path):
    root = soup_book(tmp_path / "book")
    types = root / "manuscript" / "types.yaml"
    types.write_text(TYPES + "verse:\n  fields: {title: line}\nforeword:\n  fields: {title: line}\n", encoding="utf-8")

    assert [problem.split(": error")[1].split(":")[0] for problem in load_problems(root)] == [
        "[reserved-name]", "[reserved-name]"]
