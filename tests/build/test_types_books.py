"""The cookbook and the field guide, books with types of their own, built in every edition (issue 14; the dictionary
is in test_dictionary_book.py): each EPUB passes EPUBCheck (and DAISY Ace where it is installed), each PDF is opened
and its pages, outline, pictures and page references checked; and `bookforge new --kind` starts such a book that
builds at once."""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest
from click.testing import CliRunner

from bookforge.build.orchestrate import build
from bookforge.check import ace
from bookforge.cli import main
from tests.books import REPO, outline_titles, pages_text

pytestmark = pytest.mark.slow  # two books built in every edition, EPUBCheck, Ace

BOOKS = REPO / "tests" / "cases"
"""The cookbook and the field guide."""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict]:
    """Each test book built once: {book: {edition: EditionResult}}."""
    work = tmp_path_factory.mktemp("type-books")
    found = {}
    for name in ("cookbook", "field-guide"):
        root = work / name
        shutil.copytree(BOOKS / name, root)
        shutil.copytree(REPO / "assets", root / "assets", dirs_exist_ok=True)
        report = build(root)
        found[name] = {result.name: result for result in report}
        assert all(not result.warnings for result in report), [w for r in report for w in r.warnings]
    return found


@pytest.mark.parametrize("book", ["cookbook", "field-guide"])
def test_every_ebook_passes_epubcheck(built, book, epubcheck):
    for edition in ("ebook", "kobo"):
        assert epubcheck(built[book][edition].path) == []


def test_the_ebooks_pass_daisy_ace(built):
    results = [ace(built[book]["ebook"].path) for book in built]
    if any(result.skipped for result in results):
        pytest.skip(results[0].skipped or "DAISY Ace did not run")
    assert [error for result in results for error in result.errors] == []


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
