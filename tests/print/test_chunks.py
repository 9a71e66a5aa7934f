"""Print editions laid out in chunks (chunks.py) are the same book as laid out whole, and an edit lays out one chunk."""

from __future__ import annotations

import collections
import io
import json
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pypdf
import pytest
import yaml

from bookforge.build.edition import chunk_store
from bookforge.build.orchestrate import build
from bookforge.manuscript.load import load_book
from bookforge.print.chunks import ChunkCounts
from bookforge.print.writer import write_pdf
from bookforge.project import load_project
from bookforge.render.rendition import render
from tests.books import REPO, make, set_layout

pytestmark = pytest.mark.slow  # every test here lays out generated books, most of them twice

MODIFIED = datetime(2026, 1, 1, tzinfo=timezone.utc)
CHAPTERS = 8


SMALL = 1
"""A chunk for each chapter (the default groups ~20 pages), so that these short books have many."""


def _render(project: Path, edition: str = "paperback"):
    book = load_book(project)
    return render(book, edition, load_project(Path(book.root)).layouts[edition], page_count=100, chunk_size=SMALL)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return make(tmp_path_factory.mktemp("chunks") / "book", 9000, CHAPTERS)


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def _links(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    return [(number, str(annotation.get_object().get("/Dest")))
            for number, page in enumerate(reader.pages) for annotation in page.get("/Annots") or ()]


def _boxes(reader: pypdf.PdfReader) -> list[tuple]:
    return [tuple(tuple(float(v) for v in page[name]) for name in ("/MediaBox", "/TrimBox", "/BleedBox"))
            for page in reader.pages]


def _compare(project: Path, edition: str) -> None:
    rendition = _render(project, edition)
    assert len(rendition.chunks) > 2
    whole = write_pdf(rendition, MODIFIED, map_pages=True)
    chunked = write_pdf(rendition, MODIFIED, map_pages=True, chunk_store={})
    assert whole.chunks is None and chunked.chunks == ChunkCounts(len(rendition.chunks), len(rendition.chunks))
    assert chunked.warnings == whole.warnings == ()
    one, other = pypdf.PdfReader(io.BytesIO(whole.data)), pypdf.PdfReader(io.BytesIO(chunked.data))
    assert chunked.pages == whole.pages == len(other.pages)
    # Every page's text, exactly: running heads, folios, the contents' page numbers, hyphenation, line breaks.
    for number, (page, same) in enumerate(zip(one.pages, other.pages)):
        assert same.extract_text() == page.extract_text(), f"page {number + 1}"
    assert _boxes(other) == _boxes(one)
    outline = _outline(one)
    assert len(outline) > CHAPTERS and _outline(other) == outline  # the title and page of every heading
    destinations = {name: one.get_destination_page_number(d) for name, d in one.named_destinations.items()}
    assert {name: other.get_destination_page_number(d) for name, d in other.named_destinations.items()} == \
        destinations
    assert _links(other) == _links(one)
    assert chunked.page_starts == whole.page_starts
    assert dict(other.metadata) == dict(one.metadata)  # the date and keywords: no chunk has them, the join writes them
    assert len(chunked.data) <= 1.1 * len(whole.data)  # one font program per face, object streams


@pytest.mark.parametrize("edition", ["paperback", "large-print", "pocket"])
def test_chunked_layout_is_the_same_book_as_the_whole_document(generated, edition):
    _compare(generated, edition)


def test_chunks_keep_press_settings_the_same(generated, tmp_path):
    """PDF/X-4 with bleed, crop marks (a bleed box per side of the spread) and raised initials; and running heads
    on the blank pages, which show the chapter before: a string set in the chunk before."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    set_layout(project, bleed="0.125in", pdf_variant="pdf/x-4", crop_marks=True, chapter_opening="drop-cap")
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(exist_ok=True)
    (styles / "blank-heads.css").write_text("@page :blank { @top-center { content: string(chapter-head); } }\n")
    _compare(project, "paperback")
    rendition = _render(project)
    data = write_pdf(rendition, MODIFIED, chunk_store={}).data
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert any(page.extract_text().strip().startswith("Chapter") and len(page.extract_text()) < 12
               for page in pages)  # a blank page with its head
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_metadata() as xmp:  # PDF/X's XMP: the book's dates
        assert {xmp[name] for name in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate")} == \
            {"2026-01-01T00:00:00Z"}
        assert xmp["pdf:Keywords"] == ", ".join(load_book(project).metadata.subjects)


def _mod_date(path: Path) -> datetime:
    stamp = pypdf.PdfReader(path).metadata["/ModDate"]
    return datetime.strptime(stamp[2:16], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("dates", [("1764000000", "1800000000"), (None, None)],
                         ids=["two-dates", "no-source-date-epoch"])
def test_editing_one_scene_lays_out_its_chunk_only_and_gives_a_cold_builds_bytes(generated, tmp_path, monkeypatch,
                                                                                  dates):
    """Whatever the date (the build's own, without SOURCE_DATE_EPOCH), an edit lays out the chunk it is in: no
    chunk holds the date, which the join writes into the PDF's metadata."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)

    def date(epoch: str | None) -> None:
        if epoch is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)

    date(dates[0])
    (cold,) = build(project, ["paperback"], chunk_size=SMALL)
    chunks = cold.chunks.total
    assert cold.chunks == ChunkCounts(chunks, chunks) and chunks == CHAPTERS + 1
    cold_date = _mod_date(cold.path)
    chapter = project / "manuscript" / "05-chapter.yaml"
    text = chapter.read_text(encoding="utf-8")
    word = next(w for w in ("the ", "and ", "for ") if w in text)
    chapter.write_text(text.replace(word, word.upper(), 1), encoding="utf-8")  # same letters, same pages
    while dates[1] is None and datetime.now(timezone.utc).replace(microsecond=0) <= cold_date:
        time.sleep(0.1)  # another second: the next build's date differs
    date(dates[1])
    (edited,) = build(project, ["paperback"], chunk_size=SMALL)
    assert edited.chunks == ChunkCounts(1, chunks)
    assert json.loads((project / "build" / "report.json").read_text())["editions"][0]["chunks"] == \
        {"laid_out": 1, "total": chunks, "ahead": 0, "missed": 0}
    modified = _mod_date(edited.path)
    assert modified > cold_date
    if dates[1] is not None:
        assert modified == datetime.fromtimestamp(int(dates[1]), timezone.utc)
    # Only the last build's records are kept: one for each chunk, the plan (the contents' page numbers), one font
    # program for each face.
    kept = collections.Counter(key.split("-")[0] for key in chunk_store(project / "build", "paperback"))
    assert kept == {"chunk": chunks, "plan": 1, "font": len(_font_programs(edited.path.read_bytes()))}
    # The PDF does not depend on what the cache held: a build from nothing on that date gives the same bytes.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(modified.timestamp())))
    (fresh,) = build(project, ["paperback"], tmp_path / "fresh", chunk_size=SMALL)
    assert fresh.chunks == ChunkCounts(chunks, chunks)
    assert fresh.path.read_bytes() == edited.path.read_bytes()


def test_a_damaged_chunk_in_the_cache_is_laid_out_again(generated, tmp_path):
    """A stored chunk that is not what was stored, or not of its type, is rejected whole: laid out again."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    (first,) = build(project, ["paperback"], chunk_size=SMALL)
    store = chunk_store(project / "build", "paperback")
    keys = sorted(key for key in store if key.startswith("chunk-"))[:4]
    records = [json.loads(store[key]) for key in keys]
    records[0]["pdf"] = records[0]["pdf"][:-40] + "A" * 40  # still base64, other bytes
    records[1]["counters"][0]["value"] = str(records[1]["counters"][0]["value"])  # "3" is not a page counter
    del records[2]["anchors"]
    records[3]["exit"]["side"] = "top"
    for key, record in zip(keys, records):
        store[key] = json.dumps(record)
    good = first.path.read_bytes()
    first.path.unlink()  # made again, from the cache (--force would read nothing from it)
    (again,) = build(project, ["paperback"], chunk_size=SMALL)
    assert again.chunks == ChunkCounts(4, first.chunks.total)
    assert again.path.read_bytes() == good


@pytest.mark.parametrize("css, shown", [
    # Chapter numbers from a CSS counter would restart in every chunk.
    (".part.body { counter-increment: chapter; }\n"
     ".part.body .chapter-title::before { content: counter(chapter) \". \"; }\n", f"{CHAPTERS}. Chapter {CHAPTERS}"),
    # "Page 3 of 40": a chunk knows its own page count, not the book's.
    ("@page :right { @bottom-right { content: \"of \" counter(pages); } }\n", "of "),
    # A page chosen by its place in the document.
    ("@page :nth(5) { @bottom-left { content: \"fifth\"; } }\n", "fifth"),
    # Footnotes: WeasyPrint numbers them through the book with a counter of its own.
    (".aside-label { float: footnote; }\n", "Why it matters"),
    # Another chunk's text: a proxy has only the page number.
    (".table-of-contents a::after { content: \" \" target-text(attr(href url)); }\n", "Chapter 1 Chapter 1"),
], ids=["chapter-counter", "page-count", "nth-page", "footnotes", "target-text"])
def test_a_layout_that_needs_the_whole_book_is_laid_out_whole(generated, tmp_path, css, shown):
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(exist_ok=True)
    (styles / "whole.css").write_text(css)
    (result,) = build(project, ["paperback"], chunk_size=SMALL)
    assert result.chunks is None
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.path).pages)
    assert shown in text.replace("\xa0", " ")


def test_a_stylesheet_that_only_mentions_the_page_count_is_laid_out_in_chunks(generated, tmp_path):
    """`counter(pages)` in a comment or a string is no page count: the edition is still laid out in chunks."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(exist_ok=True)
    (styles / "mentions.css").write_text('/* "of " counter(pages) would need the whole book */\n'
                                         '.part.body .chapter-title::after { content: " counter(pages)"; }\n')
    (result,) = build(project, ["paperback"], chunk_size=SMALL)
    assert result.chunks is not None and result.chunks.total == CHAPTERS + 1
    text = "".join(page.extract_text() for page in pypdf.PdfReader(result.path).pages)
    assert "counter(pages)" in text


def test_a_layout_whose_chapters_run_on_is_laid_out_whole(generated, tmp_path):
    """Chapters that do not start a page of their own cannot be cut apart: the edition is laid out in one piece."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(exist_ok=True)
    (styles / "run-on.css").write_text(".part.body { break-before: auto; padding-top: 0.5in; }\n"
                                       ".main-matter > .part:first-child { break-before: right; }\n")
    rendition = _render(project)
    result = write_pdf(rendition, MODIFIED, chunk_store={})
    assert result.chunks is None
    assert result.data == write_pdf(rendition, MODIFIED).data


def test_the_build_says_how_many_chunks_it_laid_out(sample_project, cli):
    

    assert cli("build", "-C", sample_project, "paperback").exit_code == 0
    chapter = sample_project / "manuscript" / "01-memorable-scenes.yaml"
    text = chapter.read_text(encoding="utf-8")
    assert " the " in text
    chapter.write_text(text.replace(" the ", " THE ", 1), encoding="utf-8")
    result = cli("build", "-C", sample_project, "paperback")
    assert result.exit_code == 0
    assert "(laid out 1 of 2 chunks)" in result.output


def test_a_book_template_that_makes_pages_of_its_own_is_laid_out_whole(generated, tmp_path):
    """Wrappers around the chapters in an author's book.html break pages in every chunk, around shells too."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    templates = project / "layouts" / "paperback" / "templates"
    templates.mkdir(exist_ok=True)
    book_html = (REPO / "src" / "bookforge" / "layouts" / "print" / "templates" /
                 "book.html").read_text()
    wrapped = book_html.replace("{% for part in main_parts %}\n{{ part.html }}",
                                '{% for part in main_parts %}\n<div class="chapter-wrap">{{ part.html }}</div>')
    assert wrapped != book_html
    (templates / "book.html").write_text(wrapped)
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(exist_ok=True)
    (styles / "wrap.css").write_text(".chapter-wrap { break-before: right; }\n"
                                     ".main-matter .part.body { break-before: auto; }\n")
    (result,) = build(project, ["paperback"], chunk_size=SMALL)
    assert result.chunks is None
    # Found once, remembered: the next build does not try again (and the cache holds nothing else).
    store = chunk_store(project / "build", "paperback")
    assert [key.split("-")[0] for key in store] == ["whole"]
    (again,) = build(project, ["paperback"], force=True, chunk_size=SMALL)
    assert again.chunks is None and again.path.read_bytes() == result.path.read_bytes()


def _font_programs(data: bytes) -> dict[str, set[bytes]]:
    """Font name -> the programs embedded under that name."""
    import pikepdf

    programs: dict[str, set[bytes]] = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for _, font in page.obj.Resources.Font.items():
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = next(descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
                programs.setdefault(str(font.BaseFont), set()).add(program.read_bytes())
    return programs


def test_each_face_has_one_font_program_as_in_the_whole_book(generated):
    """The chunks' subsets of a face are merged at the join: one program per face, under the name the whole book
    gives it, no larger than the whole book's."""
    rendition = _render(generated)
    chunked = _font_programs(write_pdf(rendition, MODIFIED, chunk_store={}).data)
    whole = _font_programs(write_pdf(rendition, MODIFIED).data)
    assert chunked.keys() == whole.keys() and len(whole) >= 3
    assert all(len(programs) == 1 for programs in chunked.values())
    assert sum(len(p) for ps in chunked.values() for p in ps) <= 1.05 * sum(len(p) for ps in whole.values() for p in ps)


def test_subsets_that_cannot_be_merged_have_names_of_their_own(generated, monkeypatch):
    """Different subsets of one font in one PDF need different tags (ISO 32000-1, 9.6.4)."""
    monkeypatch.setattr("bookforge.print.join.merge_subsets", lambda pdf, fonts, subset: 0)
    programs = _font_programs(write_pdf(_render(generated), MODIFIED, chunk_store={}).data)
    assert len(programs) > 4  # several subsets of each face
    assert all(len(versions) == 1 for versions in programs.values())


def test_a_layout_can_ask_to_be_laid_out_whole(generated, tmp_path):
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    set_layout(project, chunked=False)
    (result,) = build(project, ["paperback"], chunk_size=SMALL)
    assert result.chunks is None and result.pages > CHAPTERS


def test_after_a_change_of_style_the_chunks_are_laid_out_in_parallel(generated, tmp_path):
    """Each chunk starts where it did in the last build, so while one process lays out the next chunk in order, the
    other lays out the one after it, from the plan, and none is thrown away; the PDF is the one a serial build from
    nothing makes."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)
    (first,) = build(project, ["paperback"], chunk_size=SMALL)
    set_layout(project, accent_colour="#8a3b12")  # the ornaments' colour: every chunk's CSS, no page moves
    (restyled,) = build(project, ["paperback"], jobs=2, chunk_size=SMALL)
    total = first.chunks.total
    assert restyled.chunks.laid_out == total and restyled.chunks.ahead >= total // 3
    assert restyled.chunks.missed == 0
    (serial,) = build(project, ["paperback"], tmp_path / "serial", jobs=1, chunk_size=SMALL)
    assert serial.chunks == ChunkCounts(total, total, ahead=0)
    assert restyled.path.read_bytes() == serial.path.read_bytes()


def test_an_edit_that_moves_the_chapters_after_it_lays_them_out_ahead(generated, tmp_path):
    """When a chapter grows by a page, the later chunks start shifted alike: with two processes they are laid out
    ahead from that guess, and the PDF is the serial build's."""
    project = tmp_path / "book"
    shutil.copytree(generated, project)

    def lay_out(store: dict[str, str], workers: int):
        rendition = _render(project)
        return write_pdf(rendition, MODIFIED, chunk_store=store, chunk_workers=workers)

    before = {}
    lay_out(before, 1)
    chapter = project / "manuscript" / "02-chapter.yaml"
    original = yaml.safe_load(chapter.read_text(encoding="utf-8"))
    for added in range(1, 9):  # entries added until the chapters after it move
        data = {**original, "entries": original["entries"] + [dict(e) for e in original["entries"][:added]]}
        chapter.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        serial = lay_out(dict(before), 1)
        if serial.chunks.laid_out >= CHAPTERS - 1:
            break
    else:
        pytest.fail("no edit moved the chapters after it")
    parallel = lay_out(dict(before), 2)
    assert parallel.chunks.laid_out == serial.chunks.laid_out
    assert parallel.chunks.ahead >= serial.chunks.laid_out // 3
    assert parallel.data == serial.data


def test_a_killed_builds_temporary_files_in_the_cache_are_removed(sample_project):
    build(sample_project, ["paperback"])
    folder = next(chunk_store(sample_project / "build", "paperback").folder.iterdir())
    stale = folder / ".chunk-0123.json.k1ll3d_x.tmp"  # as write_atomically names them
    stale.write_text("half a chunk")
    build(sample_project, ["paperback"])
    assert not stale.exists()
