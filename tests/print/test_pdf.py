"""The paperback PDF judged by its properties: trim, fonts, outline, text, pagination, metadata, reproducibility."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import pytest
import yaml
from fontTools.ttLib import TTFont

from bookforge.build.orchestrate import build
from tests.books import REPO, TINY_CHAPTER, tiny_project

MANUSCRIPT = REPO / "manuscript"
TRIM = (432, 648)  # 6 x 9 in, in points
# The base layout's print margins (layouts/base/layout.yaml): running heads sit above the text block, folios below.
TOP_MARGIN, BOTTOM_MARGIN = 0.75 * 72, 0.85 * 72
ROMAN = re.compile(r"^[ivxlcdm]+$")
TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Typographic quotes made straight and runs of white space made one space, to compare with the YAML."""
    return " ".join(text.translate(TYPOGRAPHY).split())


# -- the manuscript, read straight from the YAML (the oracle) -------------------------------------------------


@dataclass(frozen=True)
class ChapterSource:
    title: str
    running_head: str
    entry_titles: tuple[str, ...]
    prose: str


def _manuscript() -> tuple[dict, list[ChapterSource]]:
    book = yaml.safe_load((MANUSCRIPT / "book.yaml").read_text(encoding="utf-8"))
    chapters = []
    for item in book["contents"]:
        if isinstance(item, dict):
            data = yaml.safe_load((MANUSCRIPT / next(iter(item.values()))).read_text(encoding="utf-8"))
            entries = data.get("entries", [])
            prose = " ".join([data.get("introduction", "")] + [v for e in entries for k, v in e.items() if k != "type"])
            chapters.append(ChapterSource(data["title"], data.get("short_title") or data["title"],
                                          tuple(e["title"] for e in entries), prose))
    return book, chapters


BOOK, CHAPTERS = _manuscript()
ENTRY_TITLES = [title for chapter in CHAPTERS for title in chapter.entry_titles]


# -- the PDF, read once per module ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    number: int
    """1-based physical page number: odd pages are rectos (right-hand)."""
    text: str
    head: str
    """Text above the text block: the running head."""
    foot: str
    """Text below the text block: the folio."""


@dataclass(frozen=True)
class Bookmark:
    title: str
    level: int
    page: int
    """0-based page index."""
    top: float


def _page(number: int, page: pypdf.PageObject) -> Page:
    height = float(page.mediabox.height)
    pieces: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            pieces.append((pypdf.mult(tm, cm)[5], text))

    text = page.extract_text(visitor_text=visit)
    head = " ".join(t for y, t in pieces if y > height - TOP_MARGIN)
    foot = " ".join(t for y, t in pieces if y < BOTTOM_MARGIN)
    return Page(number, text, normalise(head), normalise(foot))


def _bookmarks(reader: pypdf.PdfReader, items, level: int = 1) -> list[Bookmark]:
    found = []
    for item in items:
        if isinstance(item, list):
            found += _bookmarks(reader, item, level + 1)
        else:
            found.append(Bookmark(item.title, level, reader.get_destination_page_number(item), float(item.top)))
    return found


@dataclass(frozen=True)
class Paperback:
    path: Path
    reader: pypdf.PdfReader
    pages: list[Page]
    bookmarks: list[Bookmark]

    def chapter_starts(self) -> list[int]:
        return [b.page for b in self.bookmarks if b.level == 1]


@pytest.fixture(scope="module")
def paperback(built_sample) -> Paperback:
    path = built_sample["paperback"].path
    reader = pypdf.PdfReader(path)
    pages = [_page(n, page) for n, page in enumerate(reader.pages, 1)]
    return Paperback(path, reader, pages, _bookmarks(reader, reader.outline))


# -- the tests --------------------------------------------------------------------------------------------------


def test_every_page_has_the_trim_size(paperback, built_sample):
    assert built_sample["paperback"].pages == len(paperback.pages) > 20
    with pikepdf.open(paperback.path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for box in ("/MediaBox", "/TrimBox"):
                x0, y0, x1, y1 = (float(v) for v in page.obj.get(box, page.mediabox))
                assert (round(x1 - x0, 2), round(y1 - y0, 2)) == TRIM, f"page {number} {box}"


def _fonts(resources, seen: set) -> list[pikepdf.Dictionary]:
    """Every font dictionary reachable from a resource dictionary, through form XObjects too."""
    fonts = []
    for font in (resources.get("/Font") or {}).values():
        if font.objgen not in seen:
            seen.add(font.objgen)
            fonts.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            fonts += _fonts(xobject.Resources, seen)
    return fonts


def _font_program(font: pikepdf.Dictionary) -> tuple[str, bytes | None, str | None]:
    """(BaseFont, embedded font program or None, its PostScript name)."""
    descriptor_owner = font.DescendantFonts[0] if font.Subtype == "/Type0" else font
    descriptor = descriptor_owner.get("/FontDescriptor")
    if descriptor is None:
        return str(font.get("/BaseFont", font.Subtype)), None, None
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in descriptor:
            data = descriptor[key].read_bytes()
            if key == "/FontFile3" and descriptor[key].get("/Subtype") != "/OpenType":
                from fontTools.cffLib import CFFFontSet

                cff = CFFFontSet()
                cff.decompile(io.BytesIO(data), None)
                return str(font.BaseFont), data, cff.fontNames[0]
            if key == "/FontFile":  # Type 1: the name follows /FontName in the clear-text part
                match = re.search(rb"/FontName\s*/(\S+)", data)
                return str(font.BaseFont), data, match and match.group(1).decode()
            return str(font.BaseFont), data, TTFont(io.BytesIO(data))["name"].getDebugName(6)
    return str(font.BaseFont), None, None


def _page_fonts(path: Path) -> list[tuple[int, str, bytes | None, str | None]]:
    used = []
    with pikepdf.open(path) as pdf:
        seen: set = set()
        for number, page in enumerate(pdf.pages, 1):
            used += [(number, *_font_program(font)) for font in _fonts(page.Resources, seen)]
    return used


def test_every_font_is_embedded_and_one_of_the_shipped_fonts(paperback):
    shipped = {TTFont(p)["name"].getDebugName(6) for p in (REPO / "assets" / "fonts").glob("*.otf")}
    used = _page_fonts(paperback.path)
    assert used
    for number, base_font, program, name in used:
        assert program is not None, f"page {number}: {base_font} is not embedded"
        assert name in shipped, f"page {number}: {base_font} is {name}, not one of the shipped fonts {shipped}"
        assert "dejavu" not in base_font.lower()
    assert {"LinLibertineO", "LinLibertineOI"} <= {name for *_, name in used}


def test_no_face_is_synthesised(paperback):
    # A style of the book face without a character (Source Serif Pro Italic had no U+2010, WeasyPrint's hyphen)
    # got a slanted Regular glyph, which Pango names `...-Oblique`; the fallback chain now gives it a real italic.
    synthesised = [(number, base) for number, base, *_ in _page_fonts(paperback.path) if "Oblique" in base]
    assert synthesised == []


def test_bookmarks_are_the_chapters_and_their_entries_on_the_right_pages(paperback):
    expected = []
    for chapter in CHAPTERS:
        expected.append((1, chapter.title))
        expected += [(2, title) for title in chapter.entry_titles]
    assert [(b.level, normalise(b.title)) for b in paperback.bookmarks] == [(lvl, normalise(t)) for lvl, t in expected]
    assert sum(b.level == 2 for b in paperback.bookmarks) == 42
    for bookmark in paperback.bookmarks:
        # The first line at or below the bookmark's position on its page starts the title.
        page = paperback.reader.pages[bookmark.page]
        lines: list[tuple[float, str]] = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: text.strip() and lines.append(
            (pypdf.mult(tm, cm)[5], text)))
        below = sorted((line for line in lines if line[0] <= bookmark.top + 1), key=lambda line: -line[0])
        assert below, f"nothing under bookmark {bookmark.title!r} on page {bookmark.page + 1}"
        first = normalise(below[0][1])
        assert normalise(bookmark.title).startswith(first), (bookmark.title, bookmark.page + 1, first)
        assert normalise(bookmark.title) in normalise(paperback.pages[bookmark.page].text)


def test_all_entry_titles_are_in_the_text(paperback):
    text = normalise(" ".join(page.text for page in paperback.pages))
    missing = [title for title in ENTRY_TITLES if normalise(title) not in text]
    assert len(ENTRY_TITLES) == 42
    assert missing == []


def test_chapters_open_on_rectos_without_a_running_head_and_later_pages_have_one(paperback):
    starts = paperback.chapter_starts()
    assert len(starts) == len(CHAPTERS)
    book_title = normalise(BOOK["metadata"]["title"])
    checked = 0
    for chapter, start, end in zip(CHAPTERS, starts, starts[1:] + [len(paperback.pages)]):
        opening = paperback.pages[start]
        assert opening.number % 2 == 1, f"{chapter.title!r} opens on page {opening.number}, a verso"
        assert normalise(chapter.title) in normalise(opening.text)
        assert opening.head == "", f"the opening page of {chapter.title!r} has a running head {opening.head!r}"
        for page in paperback.pages[start + 1:end]:
            if not page.text.strip():
                continue  # the blank verso before the next chapter
            expected = normalise(chapter.running_head) if page.number % 2 else book_title
            assert page.head == expected, f"page {page.number} of {chapter.title!r}"
            checked += 1
    assert checked >= 10


def _printed_folios(paperback: Paperback) -> dict[int, str]:
    """The folio printed at the foot, by 0-based page index (blank pages and chapter openings may have none)."""
    return {index: page.foot for index, page in enumerate(paperback.pages) if page.foot}


def _roman(numeral: str) -> int:
    values = [{"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}[c] for c in numeral]
    return sum(-v if v < after else v for v, after in zip(values, values[1:] + [0]))


def _main_matter_offset(paperback: Paperback) -> int:
    """Page index minus folio, the same on every numbered page of the main matter; so unnumbered pages have one too."""
    first = paperback.chapter_starts()[0]
    main = {i: f for i, f in _printed_folios(paperback).items() if i >= first}
    assert all(f.isdigit() for f in main.values()), main
    offsets = {i - int(f) for i, f in main.items()}
    assert len(offsets) == 1, f"folios are not consecutive: {main}"
    assert len(main) >= (len(paperback.pages) - first) // 2, f"most pages have no folio: {main}"
    return offsets.pop()


def test_folios_are_roman_in_front_matter_and_restart_at_one_at_the_first_chapter(paperback):
    first = paperback.chapter_starts()[0]
    front = {i: f for i, f in _printed_folios(paperback).items() if i < first}
    assert front and all(ROMAN.match(f) for f in front.values()), front
    # Roman folios count from the title page (the unnumbered title and copyright pages still count).
    assert all(_roman(f) == i + 1 for i, f in front.items()), front
    assert first - _main_matter_offset(paperback) == 1


def test_printed_contents_page_numbers_are_the_real_folios(paperback):
    offset = _main_matter_offset(paperback)
    toc = next(page for page in paperback.pages
               if all(normalise(c.title) in normalise(page.text) for c in CHAPTERS) and "." * 3 in
               page.text.replace(" ", ""))
    toc_text = normalise(toc.text)
    for chapter, start in zip(CHAPTERS, paperback.chapter_starts()):
        match = re.search(re.escape(normalise(chapter.title)) + r"[ .]*?\.\s*([0-9]+|[ivxlcdm]+)\b", toc_text)
        assert match, f"no page number after {chapter.title!r} in the contents: {toc_text!r}"
        assert match.group(1) == str(start - offset), \
            f"{chapter.title!r}: the contents say {match.group(1)}, the chapter opens on folio {start - offset}"


def test_text_is_hyphenated(paperback):
    words = set(re.findall(r"\w+", " ".join(c.prose for c in CHAPTERS)))
    lines = [line.strip() for page in paperback.pages for line in page.text.splitlines()]
    breaks = []
    for line, following in zip(lines, lines[1:]):
        match = re.search(r"(\w+)[\u2010-]$", line)
        rest = re.match(r"(\w+)", following)
        # A real hyphenation point: the joined halves are one word of the manuscript (not a compound like Real-Life).
        if match and rest and match.group(1) + rest.group(1) in words:
            breaks.append(match.group(1) + "-" + rest.group(1))
    assert len(breaks) >= 3, breaks


def test_document_metadata(paperback):
    metadata = paperback.reader.metadata
    assert metadata.title == BOOK["metadata"]["title"]
    assert metadata.author == ", ".join(c["name"] for c in BOOK["metadata"]["creators"])


def _with_stylesheet(project: Path, css: str) -> None:
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "extra.css").write_text(css)


@pytest.mark.slow
@pytest.mark.expect_warnings("pdf-render")
def test_bad_css_is_reported_as_a_bookforge_warning(sample_project, tmp_path):
    _with_stylesheet(sample_project, ".entry-title { colr: red; }\n")
    (result,) = build(sample_project, ["paperback"], tmp_path)
    messages = [str(w) for w in result.warnings]
    assert len(messages) == 1, messages
    assert "warning[pdf-render]" in messages[0] and "colr" in messages[0]


@pytest.mark.expect_warnings("missing-glyphs")
def test_a_character_no_font_has_is_one_located_warning_per_script(tmp_path):
    chapter = TINY_CHAPTER.replace("José gazes at the stars.", "José sees 🦄 and 🦊 and 🦄.")
    root = tiny_project(tmp_path / "book", chapter)

    (result,) = build(root, ["paperback"])

    (warning,) = result.warnings  # not WeasyPrint's one per character
    assert (warning.code, warning.severity) == ("missing-glyphs", "warning")
    assert (warning.location.file, warning.location.line) == ("manuscript/01-chapter.yaml", 5)
    assert "🦄 (U+1F984) 🦊 (U+1F98A)" in warning.message


def test_a_character_the_book_face_lacks_comes_from_a_fallback_font_in_a_real_italic(tmp_path):
    chapter = TINY_CHAPTER.replace("José gazes at the stars.", "José builds a snowman ☃ and reads *ἐν ἀρχῇ*.")
    root = tiny_project(tmp_path / "book", chapter)

    (result,) = build(root, ["paperback"])

    assert result.warnings == ()
    names = {base.split("+")[-1] for _, base, *_ in _page_fonts(result.path)}
    assert "Noto-Sans-Symbols2" in {name.removeprefix("bookforge-") for name in names}, names
    assert not any("Oblique" in name for name in names)


@pytest.mark.slow
def test_a_missing_image_fails_the_build_and_keeps_the_last_good_pdf(sample_project, tmp_path):
    from bookforge.errors import BookforgeError

    (good,) = build(sample_project, ["paperback"], tmp_path)
    before = good.path.read_bytes()
    _with_stylesheet(sample_project, ".title-page { background: url(../images/missing.png); }\n")
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["paperback"], tmp_path)
    (problem,) = excinfo.value.diagnostics
    assert problem.severity == "error" and "missing.png" in problem.message
    assert good.path.read_bytes() == before
