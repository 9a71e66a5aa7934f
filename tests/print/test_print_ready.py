"""Print-ready output judged by its bytes: boxes, fonts, gutter, openings, PDF/X and PDF/UA, the cover wrap, proofs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.covers import PAPER_THICKNESS
from bookforge.errors import BookforgeError
from tests.books import SOURCE_DATE_EPOCH, make, set_layout

BLEED = 0.125 * 72
TRIM = (432.0, 648.0)  # 6 x 9 in


def _only_paperback(project: Path) -> None:
    path = project / "manuscript" / "book.yaml"
    book = yaml.safe_load(path.read_text())
    book["editions"] = {"paperback": book["editions"]["paperback"]}
    path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="module")
def long_book(tmp_path_factory):
    """A generated book of ~150+ pages (past KDP's first gutter band) as PDF/X-4 with bleed and drop caps."""
    project = make(tmp_path_factory.mktemp("long") / "book", 30000, 64)  # ~200 pages: in the band whatever the face
    _only_paperback(project)
    set_layout(project, bleed="0.125in", pdf_variant="pdf/x-4", chapter_opening="drop-cap")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        (result,) = build(project, ["paperback"], project / "build")
    return result


def _boxes(page) -> dict[str, tuple[float, float, float, float]]:
    return {name: tuple(float(v) for v in page.obj[name]) for name in ("/MediaBox", "/TrimBox", "/BleedBox")}


@pytest.mark.slow
def test_long_book_crosses_the_first_gutter_band(long_book):
    assert 151 <= long_book.pages <= 300
    assert long_book.warnings == ()


@pytest.mark.slow
def test_trim_and_bleed_boxes_in_points(long_book):
    with pikepdf.open(long_book.path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            boxes = _boxes(page)
            x0, y0, x1, y1 = boxes["/TrimBox"]
            assert (x1 - x0, y1 - y0) == pytest.approx(TRIM, abs=0.01), number
            # Bleed on the top, bottom and outside edge only: the inside edge is bound.
            mx0, my0, mx1, my1 = boxes["/MediaBox"]
            recto = number % 2 == 1
            expected = (x0 - (0 if recto else BLEED), y0 - BLEED, x1 + (BLEED if recto else 0), y1 + BLEED)
            assert (mx0, my0, mx1, my1) == pytest.approx(expected, abs=0.01), number
            assert boxes["/BleedBox"] == pytest.approx(expected, abs=0.01), number


@pytest.mark.slow
def test_every_font_is_embedded(long_book):
    if shutil.which("pdffonts") is None:
        pytest.fail("pdffonts is missing: run `make test`, which installs poppler-utils")
    lines = subprocess.run(["pdffonts", str(long_book.path)], capture_output=True, text=True, check=True)
    fonts = [line.split() for line in lines.stdout.splitlines()[2:]]
    assert fonts
    for columns in fonts:
        assert columns[-5] == "yes", f"not embedded: {columns}"  # the `emb` column


@pytest.mark.slow
def test_qpdf_check_passes(long_book):
    for path in (long_book.path, long_book.cover):
        run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def _lines(page: pypdf.PageObject) -> list[tuple[float, float, str]]:
    found: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            matrix = pypdf.mult(tm, cm)
            found.append((matrix[4], matrix[5], text.strip()))

    page.extract_text(visitor_text=visit)
    return found


def _chapter_starts(reader: pypdf.PdfReader) -> list[int]:
    """0-based indexes of the pages where a chapter title (`Chapter N`) is set, sunk well below the head."""
    return [index for index, page in enumerate(reader.pages)
            if any(re.fullmatch(r"Chapter \d+", text) and 400 < y < 520 for _, y, text in _lines(page))]


@pytest.mark.slow
def test_gutter_is_the_band_for_the_page_count(long_book):
    reader = pypdf.PdfReader(long_book.path)
    gutter = 0.5 * 72  # 151-300 pages
    measured = []
    for index in range(0, len(reader.pages), 2):  # rectos: the gutter is on the left
        lines = [x for x, y, _ in _lines(reader.pages[index]) if 0.9 * 72 < y < 8.1 * 72]
        if len(lines) > 8 and index > 10:
            measured.append(min(lines) - float(reader.pages[index].trimbox.left))
    assert len(measured) >= 5
    assert all(abs(inside - gutter) < 1 for inside in measured), measured


@pytest.mark.slow
def test_chapters_open_on_rectos_without_a_running_head_or_folio(long_book):
    reader = pypdf.PdfReader(long_book.path)
    starts = _chapter_starts(reader)
    assert len(starts) == 64
    for index in starts:
        assert index % 2 == 0, f"a chapter opens on page {index + 1}, a verso"
        heads = [text for _, y, text in _lines(reader.pages[index]) if y > 648 - 0.75 * 72 or y < 0.85 * 72]
        assert heads == [], f"page {index + 1} opens a chapter and has {heads}"


@pytest.mark.slow
def test_no_entry_title_stands_alone_at_a_page_foot(long_book):
    reader = pypdf.PdfReader(long_book.path)
    titles = {text for page in reader.pages for _, _, text in _lines(page)} & {
        entry["title"] for path in (long_book.path.parents[2] / "manuscript").glob("*-chapter.yaml")
        for entry in yaml.safe_load(path.read_text())["entries"]}
    assert len(titles) > 30
    for number, page in enumerate(reader.pages, 1):
        body = [(y, text) for _, y, text in _lines(page) if y > 0.85 * 72]
        if body:
            last = min(body)[1]
            assert last not in titles, f"page {number} ends with the heading {last!r}"


@pytest.mark.slow
def test_pdf_x4_has_a_cmyk_output_intent_and_fixed_dates(long_book):
    with pikepdf.open(long_book.path) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        assert int(intent.DestOutputProfile.N) == 4
        assert str(pdf.docinfo.CreationDate).startswith("D:20251124")  # SOURCE_DATE_EPOCH, not the wall clock
        assert "/ID" in pdf.trailer
        assert not any("/Annots" in page.obj for page in pdf.pages)
        assert "PDF/X-4" in pdf.open_metadata().get("pdfxid:GTS_PDFXVersion", "")


@pytest.mark.slow
def test_cover_width_is_two_bleeds_two_trims_and_the_spine(long_book):
    with pikepdf.open(long_book.cover) as pdf:
        (page,) = pdf.pages
        x0, y0, x1, y1 = _boxes(page)["/MediaBox"]
        assert "/OutputIntents" in pdf.Root
    expected = 2 * 0.125 + 2 * 6 + long_book.pages * PAPER_THICKNESS["white"]
    assert abs((x1 - x0) / 72 - expected) <= 0.01, ((x1 - x0) / 72, expected)
    assert abs((y1 - y0) / 72 - (9 + 2 * 0.125)) <= 0.01
    text = " ".join(pypdf.PdfReader(long_book.cover).pages[0].extract_text().split())
    assert text.count("A Million Miles Away") >= 3  # back, spine (100 pages or more) and front


@pytest.mark.slow
def test_short_book_cover_has_no_spine_text_and_cream_paper_is_thicker(built_sample, sample_project, tmp_path):
    result = built_sample["paperback"]
    text = " ".join(pypdf.PdfReader(result.cover).pages[0].extract_text().split())
    assert result.pages < 100 and text.count("A Million Miles Away") == 2  # back and front only
    set_layout(sample_project, paper="cream")
    (cream,) = build(sample_project, ["paperback"], tmp_path)
    widths = [float(pypdf.PdfReader(path).pages[0].mediabox.width) for path in (result.cover, cream.cover)]
    assert (widths[1] - widths[0]) / 72 == pytest.approx(result.pages * (0.0025 - 0.002252), abs=0.001)


def test_bleed_needs_an_outside_margin_of_three_eighths(sample_project, tmp_path):
    set_layout(sample_project, bleed="0.125in", margins={"outside": "0.25in"})
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["paperback"], tmp_path)
    (problem,) = excinfo.value.diagnostics
    assert "layouts/paperback/layout.yaml:" in str(problem.location) and "margins.outside" in problem.message


@pytest.mark.slow
def test_pdf_ua_is_tagged_with_a_structure_tree(sample_project, tmp_path):
    set_layout(sample_project, pdf_variant="pdf/ua-1")
    (result,) = build(sample_project, ["paperback"], tmp_path)
    with pikepdf.open(result.path) as pdf:
        tree = pdf.Root.StructTreeRoot
        kinds = set()
        stack = [tree.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                kinds.add(str(node.S))
                if "/K" in node:
                    stack.append(node.K)
        assert {"/H1", "/H2", "/P"} <= kinds, kinds
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "en"


@pytest.mark.slow
def test_pdf_x1a_builds_with_the_default_layout_its_fonts_made_truetype(sample_project, tmp_path):
    set_layout(sample_project, pdf_variant="pdf/x-1a")
    (result,) = build(sample_project, ["paperback"], tmp_path)
    with pikepdf.open(result.path) as pdf:
        assert pdf.pdf_version <= "1.4"
        programs = set()
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                programs |= {key for key in ("/FontFile2", "/FontFile3") if key in descriptor}
                assert str(font.BaseFont).split("+")[-1].startswith("Linux-Libertine-O")
        assert programs == {"/FontFile2"}


def test_proof_shows_spreads_with_page_one_alone(built_sample, tmp_path):
    from PIL import Image

    from bookforge.print.proof import make_proof

    result = built_sample["paperback"]
    index = make_proof(result.path, tmp_path / "proof", dpi=20, cover=result.cover)
    spreads = sorted((tmp_path / "proof").glob("spread-*.png"))
    assert len(spreads) == result.pages // 2 + 1
    with Image.open(spreads[0]) as first, Image.open(spreads[1]) as second:
        assert first.size == second.size and first.width > 1.8 * first.height * 432 / 648
        # Page 1 stands alone on the right: the left half of the first spread is bare table, the right is paper.
        left = first.crop((14, 14, first.width // 2 - 14, first.height - 14)).convert("L")
        right = first.crop((first.width // 2 + 14, 14, first.width - 14, first.height - 14)).convert("L")
        assert left.getextrema()[1] < 240 and right.getextrema()[1] == 255
    html = index.read_text()
    assert "cover.png" in html and html.count("<figure") == len(spreads) + 1
