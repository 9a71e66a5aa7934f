"""The three books with types of their own built in every edition (issue 14): each EPUB passes EPUBCheck (and DAISY
Ace where it is installed), each PDF is opened and its pages, outline, pictures and page references checked; and
`bookforge new --kind` starts such a book that builds at once."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from lxml import etree

from bookforge.build.orchestrate import build
from bookforge.check import ace
from bookforge.cli import main
from tests.books import REPO
from tests.dictionary import make as make_dictionary

pytestmark = pytest.mark.slow  # three books built in every edition, EPUBCheck, Ace

BOOKS = REPO / "tests" / "cases"
"""The cookbook and the field guide (the dictionary is generated: tests/dictionary.py)."""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict]:
    """Each test book built once: {book: {edition: EditionResult}}."""
    work = tmp_path_factory.mktemp("type-books")
    roots = {"dictionary": make_dictionary(work / "dictionary")}
    for name in ("cookbook", "field-guide"):
        shutil.copytree(BOOKS / name, work / name)
        shutil.copytree(REPO / "assets", work / name / "assets", dirs_exist_ok=True)
        roots[name] = work / name
    found = {}
    for name, root in roots.items():
        report = build(root)
        found[name] = {result.name: result for result in report}
        assert all(not result.warnings for result in report), [w for r in report for w in r.warnings]
    return found


def pages_text(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(path).pages]


def outline_titles(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title.replace("\u00a0", " ")  # headings keep a short last word with the one before

    return list(walk(reader.outline))


@pytest.mark.parametrize("book", ["dictionary", "cookbook", "field-guide"])
def test_every_ebook_passes_epubcheck(built, book, epubcheck):
    for edition in ("ebook", "kobo"):
        assert epubcheck(built[book][edition].path) == []


def test_the_ebooks_pass_daisy_ace(built):
    results = [ace(built[book]["ebook"].path) for book in built]
    if any(result.skipped for result in results):
        pytest.skip(results[0].skipped or "DAISY Ace did not run")
    assert [error for result in results for error in result.errors] == []


def test_the_dictionary_has_a_thousand_entries_and_pages_that_references_name(built):
    epub = zipfile.ZipFile(built["dictionary"]["ebook"].path)
    articles = sum(len(etree.fromstring(epub.read(name)).findall(".//{*}article"))
                   for name in epub.namelist() if name.endswith(("a-l.xhtml", "m-z.xhtml")))
    assert articles >= 1_000

    paperback = built["dictionary"]["paperback"]
    text = pages_text(paperback.path)
    assert paperback.pages == len(text) > 100
    # Each `see WORD, p. N` gives the folio of the page WORD's entry is on: the pages of the front matter before
    # folio 1 aside, the same offset for every reference.
    pos = "noun|verb|adjective|adverb|preposition|interjection"
    entry_pages: dict[str, set[int]] = {}
    for number, page in enumerate(text, 1):
        for word in re.findall(rf"(?:^|\s)([a-zé][\w é]*?) [\w·]+(?: [\w·]+)? · (?:{pos})", page):
            entry_pages.setdefault(word, set()).add(number)
    offsets = Counter(number - int(folio) for page in text
                      for word, folio in re.findall(r"\bsee ([a-zé][\w é]*?), p\. (\d+)", page)
                      for number in entry_pages.get(word, ()))
    (offset, count), *others = offsets.most_common()
    assert count > 500 and others == [] and 0 < offset < 10
    assert [title for title in outline_titles(paperback.path) if len(title) == 1][:3] == ["A", "B", "C"]


def test_the_cookbook_lists_its_recipes_and_gives_the_page_of_each_see_also(built):
    paperback = built["cookbook"]["paperback"].path
    titles = outline_titles(paperback)
    assert {"Soups", "Leek and Potato Soup", "Shortbread"} <= set(titles)
    text = pages_text(paperback)
    contents = next(page for page in text if "Contents" in page and "Chicken Broth" in page)
    assert re.search(r"Chicken Broth[ .]*\d+", contents)
    found = re.findall(r"\bsee also ([A-Z][^,]*?), p\. (\d+)", " ".join(text))
    assert len(found) >= 5
    # The folio each gives is that of a page the recipe is on: the same offset (the front matter) for all.
    offsets = [{number - int(folio) for number, page in enumerate(text, 1) if title in page.replace("\u00a0", " ")}
               for title, folio in found]
    assert set.intersection(*offsets)


def test_the_field_guide_shows_a_picture_in_every_entry(built):
    paperback = built["field-guide"]["paperback"].path
    with pikepdf.open(paperback) as pdf:
        pictures = {bytes(xobject.read_raw_bytes()) for page in pdf.pages
                    for xobject in (page.Resources.get("/XObject") or {}).values()
                    if xobject.get("/Subtype") == "/Image"}
    assert len(pictures) == 8  # eight drawings: the wren's twice (a species, and the figure of the back matter)
    text = " ".join(pages_text(paperback))
    for family in ("Thrushes", "Tits", "Starlings", "Wrens", "Finches", "Crows", "Sparrows"):
        assert family in text
    assert "Turdus merula" in text


@pytest.mark.parametrize("kind", ["dictionary", "cookbook", "field-guide"])
def test_a_new_book_of_each_kind_builds_at_once(tmp_path, kind, epubcheck):
    runner = CliRunner()
    project = tmp_path / "new book"
    made = runner.invoke(main, ["new", str(project), "--kind", kind, "--title", "A New Book"])
    assert made.exit_code == 0, made.output
    assert (project / "manuscript" / "types.yaml").is_file()
    assert (project / "manuscript" / "schema" / "types.schema.json").is_file()

    result = runner.invoke(main, ["build", "-C", str(project)])

    assert result.exit_code == 0, result.output
    assert epubcheck(project / "build" / "ebook" / "a-new-book.epub") == []
    with pikepdf.open(project / "build" / "paperback" / "a-new-book.pdf") as pdf:
        assert len(pdf.pages) >= 4
