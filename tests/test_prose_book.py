"""A real book (tests/cases/real-book: prose chapters in YAML and Markdown, every block of the prose vocabulary,
front and back matter of every type, parts, a series, credits) built in every edition and judged by the real
tools and by opening the PDFs: EPUBCheck and Ace find nothing; each footnote is on its reference's page (or in the
endnotes); verse is not justified; scene breaks print as ornaments; the dedication is on a recto without a
heading; the parts are in the outline. And a chapter of 60,000 words builds."""

from __future__ import annotations

import random
import re
import shutil
import zipfile

import pypdf
import pypdfium2
import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.check import ace
from tests.books import REPO

BOOK = REPO / "tests" / "cases" / "real-book"
EBOOKS = ("ebook", "kobo")
PRINT = ("paperback", "large-print", "pocket", "endnotes", "chapter-notes")

# (words just before the reference, the note's first words), the text normalised to single spaces.
NOTES = [
    ("write people.", "She once told me that a gale"),
    ("nineteen days,", "The longest run of westerlies"),
    ("in Penzance.", "The Cornish Almanack for the Year 1911"),
    ("tide turned.", "Sailors say a chain complains"),
    ("from France.", "Nobody could tell Nell where the phrase"),
    ("earliest convenience.", "Four pounds, eleven shillings"),
    ("the flood.", "High water that morning was at 06:40"),
]


def flat(text: str) -> str:
    """Page text as one line: hyphens added at line ends joined, white space made single spaces."""
    text = re.sub(r"(\w)[-\u2010]\n(\w)", r"\1\2", text)  # a hyphen-minus, or the face's U+2010
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = tmp_path_factory.mktemp("real") / "book"
    shutil.copytree(BOOK, project)
    shutil.copytree(REPO / "assets" / "fonts", project / "assets" / "fonts")
    results = {result.name: result for result in build(project)}
    return project, results


@pytest.fixture(scope="module")
def pages(built):
    """Each print edition's page texts."""
    _, results = built
    return {name: [flat(page.extract_text()) for page in pypdf.PdfReader(results[name].path).pages]
            for name in PRINT}


def test_every_edition_builds_without_a_warning(built):
    _, results = built
    assert sorted(results) == sorted(EBOOKS + PRINT)
    # A note printed on the page after its reference is warned about (next test); nothing else is.
    warnings = {name: tuple(w for w in result.warnings if w.code != "footnote-moved")
                for name, result in results.items()}
    assert warnings == {name: () for name in results}
    assert not [w for name in ("paperback", "pocket") for w in results[name].warnings]


@pytest.mark.parametrize("edition", EBOOKS)
def test_the_ebooks_pass_epubcheck_and_ace(built, epubcheck, edition):
    project, results = built
    assert epubcheck(results[edition].path) == []
    checked = ace(results[edition].path, edition, REPO)
    if checked.skipped:
        pytest.fail(f"DAISY Ace did not run ({checked.skipped}): run `make test`, which installs it")
    assert [*checked.errors, *checked.warnings] == []


@pytest.mark.parametrize("edition", ["paperback", "large-print", "pocket"])
def test_each_footnote_is_on_the_page_of_its_reference_or_said_not_to_be(built, pages, edition):
    _, results = built
    moved = [w.message for w in results[edition].warnings if w.code == "footnote-moved"]
    for number, (before, note) in enumerate(NOTES):
        # The note's text on a page, that page also holds its reference (the sentence, then the number).
        where = [n for n, text in enumerate(pages[edition]) if note in text]
        assert len(where) == 1, (note, where)
        # The reference: the word before it and its number (the words before that may end the page before).
        if not re.search(re.escape(before.split()[-1]) + r" ?\d", pages[edition][where[0]]):
            # WeasyPrint moved it (to keep a paragraph's first lines together): the build says so.
            assert any(f"(page {where[0]} of the PDF)" in message for message in moved), (edition, before, moved)
    assert len(moved) <= 1, moved


def test_endnotes_are_at_the_end_of_the_book_or_of_each_chapter(pages):
    book_end = pages["endnotes"]
    notes_page = next(n for n, text in enumerate(book_end) if text.startswith("Notes"))
    assert all(any(note in text for text in book_end[notes_page:]) for _, note in NOTES)
    assert not any(note in text for text in book_end[:notes_page] for _, note in NOTES)
    chapter_end = pages["chapter-notes"]
    harbour = next(n for n, text in enumerate(chapter_end) if text.startswith("The Harbour"))
    sea = next(n for n, text in enumerate(chapter_end) if text.startswith("What the Sea Keeps"))
    harbour_notes = " ".join(chapter_end[harbour:sea])
    assert "Notes 1 The longest run of westerlies" in harbour_notes and "2 The Cornish Almanack" in harbour_notes


def test_scene_breaks_print_as_the_ornament_never_last_on_a_page(pages):
    for edition, ornament in (("paperback", "* * *"), ("chapter-notes", "◆")):
        text = " ".join(pages[edition])
        # The ornament is where the break is (after the page's footnotes, folio and running head, when it starts
        # a page).
        assert re.search(f"They always do.”.{{0,300}}? {re.escape(ornament)} Nell’s mother kept a book", text)
        assert re.search(f"pilot cutter from Falmouth.{{0,300}}? {re.escape(ornament)} In July", text)
        for page in pages[edition]:
            body = re.sub(r" [ivxlcdm\d]+$", "", page)  # the folio
            assert not body.endswith(ornament), (edition, page[-80:])


def test_the_dedication_is_alone_on_a_recto_without_a_heading(pages):
    for edition in PRINT:
        number = next(n for n, text in enumerate(pages[edition], 1) if "For my mother, who taught me" in text)
        assert number % 2 == 1, (edition, number)
        assert pages[edition][number - 1] == "For my mother, who taught me to read the weather."


def test_the_parts_hold_their_chapters_in_the_outline(built):
    _, results = built
    outline = pypdf.PdfReader(results["paperback"].path).outline
    titles = [item.title.replace("\u00a0", " ") for item in outline if not isinstance(item, list)]
    assert titles == ["Foreword", "A Note on the Text", "Prologue", "Part One: The Crossing", "Part Two: The Return",
                      "Epilogue", "Afterword", "Acknowledgements", "About the Author", "Colophon"]
    part_one = outline[outline.index(next(i for i in outline if getattr(i, "title", "") == "Part One: The Crossing"))
                       + 1]
    assert [item.title.replace("\u00a0", " ") for item in part_one if not isinstance(item, list)] == [
        "The Harbour", "What the Sea Keeps, and What It Gives Back"]


def _line_ends(page: pypdfium2.PdfPage) -> dict[str, float]:
    """The right edge (points) of each line of text on a page, by the line's text."""
    text = page.get_textpage()
    return {text.get_text_bounded(*text.get_rect(i)).strip(): text.get_rect(i)[2] for i in range(text.count_rects())}


def test_verse_is_set_ragged_never_justified(built, pages):
    _, results = built
    pdf = pypdfium2.PdfDocument(results["paperback"].path)
    number = next(n for n, text in enumerate(pages["paperback"]) if "When the wind is in the east" in text)
    # Justified lines of prose end at the margin: the furthest a line reaches on the other pages of this side.
    margin = max(end for n in range(number % 2, len(pdf), 2) if n != number for end in _line_ends(pdf[n]).values())
    # The verse line that wraps stops short of it.
    wrapped = next(end for line, end in _line_ends(pdf[number]).items()
                   if line.startswith("and the west wind keeps them wandering"))
    assert wrapped < margin - 3


def test_a_sixty_thousand_word_chapter_builds(tmp_path):
    """No limit a real chapter reaches: the chapter is ~360,000 characters of prose in one `text`."""
    rng = random.Random(13)
    words = ("the sea wind harbour ship tide Nell father mother quay waited long night light grey salt rope sail "
             "and of to in a was her his it that with on for as at by").split()
    paragraphs = []
    count = 0
    while count < 60_000:
        sentence_words = [rng.choice(words) for _ in range(rng.randint(80, 140))]
        count += len(sentence_words)
        paragraphs.append(" ".join(sentence_words).capitalize() + ".")
    project = tmp_path / "book"
    shutil.copytree(BOOK / "manuscript", project / "manuscript")
    shutil.copytree(REPO / "assets" / "fonts", project / "assets" / "fonts")
    shutil.copytree(BOOK / "assets" / "images", project / "assets" / "images")
    text = "\n\n".join(paragraphs)
    (project / "manuscript" / "02-sea.md").write_text(f"# What the Sea Keeps\n\n{text}\n", encoding="utf-8")
    book_yaml = project / "manuscript" / "book.yaml"
    keep = ("ebook", "paperback")
    data = yaml.safe_load(book_yaml.read_text(encoding="utf-8"))
    data["editions"] = {name: data["editions"][name] for name in keep}
    book_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    results = {result.name: result for result in build(project)}

    assert set(results) == set(keep)
    assert results["ebook"].words > 60_000 and results["paperback"].pages > 120
    assert all(not result.warnings for result in results.values())


def test_the_ebook_carries_every_page_start_of_the_paperback(built):
    """Verse, footnotes, figures and part title pages do not lose the print page list its places."""
    _, results = built
    nav = zipfile.ZipFile(results["ebook"].path).read("EPUB/nav.xhtml").decode()
    labels = re.findall(r'#page-[^"]+">([^<]+)</a>', nav)

    # Every page of the paperback on which text starts (the blank versos have none), by its printed label.
    paperback = pypdf.PdfReader(results["paperback"].path)
    printed = [label for label, page in zip(paperback.page_labels, paperback.pages) if page.extract_text().strip()]
    assert len(labels) >= 20
    assert labels == printed


@pytest.mark.parametrize("edition", ["endnotes", "chapter-notes"])
def test_endnotes_and_parts_lay_out_in_chunks_as_in_the_whole_book(built, edition):
    """A book whose notes are endnotes is laid out in chunks (one per part here): the same pages as laid out whole."""
    import io
    from datetime import datetime, timezone

    from bookforge.print.writer import write_pdf
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    project, _ = built
    loaded = load_project(project)
    rendition = render(loaded.book, edition, loaded.layouts[edition], page_count=40, chunk_size=1)
    modified = datetime(2026, 1, 1, tzinfo=timezone.utc)
    whole, chunked = write_pdf(rendition, modified), write_pdf(rendition, modified, chunk_store={})

    assert chunked.chunks is not None and chunked.chunks.total > 10
    one, other = pypdf.PdfReader(io.BytesIO(whole.data)), pypdf.PdfReader(io.BytesIO(chunked.data))
    assert [page.extract_text() for page in other.pages] == [page.extract_text() for page in one.pages]
    assert [item.title for item in other.outline if not isinstance(item, list)] == [
        item.title for item in one.outline if not isinstance(item, list)]
