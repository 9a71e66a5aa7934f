"""The print page list: the ebook's page-break markers stand where the paperback's pages start."""

from __future__ import annotations

import re
import zipfile

import pypdfium2
import pytest
from lxml import etree

from bookforge.print import pagemap
from tests.books import REPO

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
ROMAN = re.compile(r"^[ivxlc]+$")


def alnum(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def printed_pages(pdf_path) -> list[tuple[str | None, str]]:
    """(folio printed at the foot or None, the text block's letters and digits) of every page of a PDF."""
    pages = []
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage()
            top, bottom = 0.75 * 72, 0.85 * 72  # the paperback's margins: running head above, folio below
            # In reading order, top to bottom: the content stream draws floats (the asides' labels) first.
            lines, line = [], []
            for index in range(text.count_chars() + 1):
                char = text.get_text_range(index, 1) if index < text.count_chars() else "\n"
                if char in "\r\n":
                    if line:
                        boxes = [text.get_charbox(i) for i in line]
                        lines.append((-max(b[3] for b in boxes), min(b[0] for b in boxes),
                                      min(b[1] for b in boxes), text.get_text_range(line[0], len(line))))
                    line = []
                else:
                    line.append(index)
            body = "".join(line for y, _, low, line in sorted(lines) if bottom < low and -y < height - top)
            foot = text.get_text_bounded(0, 0, width, bottom).strip()
            pages.append((foot or None, alnum(body)))
    finally:
        document.close()
    return pages


def markers(epub_path) -> dict[str, str]:
    """{label: the letters and digits after the marker, to the end of its document}."""
    found = {}
    with zipfile.ZipFile(epub_path) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        (page_list,) = [n for n in nav.iterfind(".//x:nav", NS) if n.get(EPUB_TYPE) == "page-list"]
        for link in page_list.iterfind(".//x:a", NS):
            document, ident = link.get("href").split("#")
            root = etree.fromstring(archive.read(f"EPUB/{document}"))
            (marker,) = root.xpath(f"//*[@id='{ident}']")
            assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
            assert marker.get("aria-label") == link.text and len(marker) == 0 and not marker.text
            # Everything after the marker in document order: its tail, then the following elements' text.
            after = [marker.tail or ""]
            for element in marker.itersiblings():
                after.append("".join(element.itertext()) + (element.tail or ""))
            for ancestor in marker.iterancestors():
                for element in ancestor.itersiblings():
                    after.append("".join(element.itertext()) + (element.tail or ""))
            found[link.text] = alnum("".join(after))
    return found


@pytest.fixture(scope="module")
def sample_pages(built_sample):
    return printed_pages(built_sample["paperback"].path), markers(built_sample["ebook"].path)


def test_every_printed_page_with_a_folio_has_its_marker_where_the_page_starts(sample_pages):
    pdf_pages, epub_markers = sample_pages
    compared = 0
    for folio, body in pdf_pages:
        if folio is None or not body:
            continue  # a chapter opening or a blank page prints no folio
        assert folio in epub_markers, f"no marker for printed page {folio}"
        # The first letters on the printed page are the first letters after the marker.
        assert epub_markers[folio][:30] == body[:30], folio
        compared += 1
    assert compared >= 10


def test_the_page_list_has_every_page_with_text_in_print_order(sample_pages, built_sample):
    pdf_pages, epub_markers = sample_pages
    labels = list(epub_markers)
    assert len(labels) == sum(1 for _, body in pdf_pages if body)
    # Front matter in roman numerals, then the main matter from 1; labels as printed on the paperback.
    front = [label for label in labels if ROMAN.match(label)]
    assert front == labels[:len(front)] == ["i", "ii", "iii"][:len(front)] and front
    numbers = [int(label) for label in labels[len(front):]]
    assert numbers[0] == 1 and numbers == sorted(numbers)
    printed = {folio for folio, _ in pdf_pages if folio}
    assert printed <= set(labels)


def test_pages_that_print_no_folio_are_labelled_by_the_page_counter():
    assert [pagemap.format_counter(n, "lower-roman") for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]
    assert pagemap.format_counter(28, "upper-alpha") == "AB"
    assert pagemap.format_counter(7, "decimal") == "7"


def test_the_package_names_the_print_edition_and_claims_page_navigation(built_sample):
    with zipfile.ZipFile(built_sample["ebook"].path) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    meta = {(m.get("property"), m.text) for m in opf.iterfind("opf:metadata/opf:meta", NS)}
    assert ("pageBreakSource", "urn:isbn:9780000000026") in meta  # the paperback's ISBN
    assert {("schema:accessibilityFeature", "pageNavigation"), ("schema:accessibilityFeature", "pageBreakMarkers")} <= meta


def test_a_chapter_of_prose_without_ids_gets_one_marker_per_printed_page(tmp_path):
    """Sixty paragraphs under one anchor, after a title page alone: every page gets its marker, in its place, and
    every label is unique (markers put in earlier used to shift the places of the later ones)."""
    import random
    import shutil

    import yaml

    from bookforge.build.orchestrate import build

    project = tmp_path / "prose"
    shutil.copytree(REPO / "assets", project / "assets")
    (project / "manuscript").mkdir()
    rng = random.Random(3)
    words = ("the quick brown fox jumps over a lazy dog while stars wheel slowly above quiet fields of wheat and "
             "barley").split()
    paragraphs = [" ".join(rng.choice(words) for _ in range(rng.randint(60, 140))).capitalize() + "."
                  for _ in range(60)]
    (project / "manuscript" / "01-chapter.yaml").write_text(yaml.safe_dump(
        {"title": "A Long Chapter", "introduction": "\n\n".join(paragraphs)}, width=100), encoding="utf-8")
    (project / "manuscript" / "book.yaml").write_text(yaml.safe_dump({
        "metadata": {"title": "Prose", "creators": [{"name": "Jane Doe"}], "language": "en",
                     "identifier": "urn:uuid:00000000-0000-4000-8000-000000000001"},
        "contents": ["title-page", {"chapter": "01-chapter.yaml"}],
        "editions": {"ebook": {"format": "epub", "layout": "ebook", "identifier": "urn:isbn:9780000000019",
                               "page_list_from": "paperback"},
                     "paperback": {"format": "pdf", "layout": "print", "identifier": "urn:isbn:9780000000026"}}},
        sort_keys=False), encoding="utf-8")
    results = {r.name: r for r in build(project)}

    pdf_pages = printed_pages(results["paperback"].path)
    with zipfile.ZipFile(results["ebook"].path) as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    (page_list,) = [n for n in nav.iterfind(".//x:nav", NS) if n.get(EPUB_TYPE) == "page-list"]
    labels = [link.text for link in page_list.iterfind(".//x:a", NS)]
    with_text = [folio for folio, body in pdf_pages if body]
    assert len(with_text) > 10 and len(labels) == len(with_text) == len(set(labels))
    epub_markers = markers(results["ebook"].path)
    for folio, body in pdf_pages:
        if folio is not None and body:
            assert epub_markers[folio][:30] == body[:30], folio
