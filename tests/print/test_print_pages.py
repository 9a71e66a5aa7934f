"""Print pages a typographer would accept: full pages, chapter ends of more than two lines, lead-ins kept with what
they introduce, contents leaders apart from titles, a copyright page that fits, page labels that are the folios."""

from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from pathlib import Path

import pypdf
import pytest
import yaml

from bookforge.build.orchestrate import build
from bookforge.layout.geometry import to_points
from bookforge.print.fill import body_fill, short_chapter_ends, underfull
from bookforge.render.matter import tie_last_words
from tests.books import paragraph, sentences, tiny_project

MARGINS = to_points("0.75in"), to_points("0.85in")  # the base layout's top and bottom margins
LEAD_IN = "Following is an extract from an old book entitled *The Lunarian Astonished*, Boston, 1803:"


def _dialogue(rows: int, rng: random.Random, pool: list[str]) -> str:
    """A dialogue set as a two-column table in a quotation, as the Devil's Dictionary sets its longer ones."""
    lines = ["> |  |  |", "> | --- | --- |"]
    lines += [f"> | {'Lunarian' if n % 2 else 'Terrestrian'} | {paragraph(rng, pool, rng.randint(12, 45))} |"
              for n in range(rows)]
    return "\n".join(lines)


def _dictionary(folder: Path, chapters: int = 6) -> Path:
    """A dictionary of prose entries (`**Word**, *n.* ...`), some introducing a long dialogue or a quotation."""
    rng, pool = random.Random(1911), sentences()
    names = [f"{n:02d}-letter.yaml" for n in range(1, chapters + 1)]
    root = tiny_project(folder, chapters=names)
    for n, name in enumerate(names, 1):
        blocks = []
        for m in range(18 + 7 * n):
            word = "".join(rng.choice(pool).split()[0].strip(",.;:*\"'")[:9]).capitalize() or "Word"
            blocks.append(f"**{word}**, *n.* {paragraph(rng, pool, rng.randint(15, 110))}")
            if m % 9 == 4:
                blocks[-1] += " " + LEAD_IN
                blocks.append(_dialogue(rng.randint(14, 30), rng, pool))
        (root / "manuscript" / name).write_text(yaml.safe_dump(
            {"title": f"Letter {n}", "introduction": "\n\n".join(blocks)}, allow_unicode=True, width=1000),
            encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> Path:
    root = _dictionary(tmp_path_factory.mktemp("dictionary") / "book")
    (result,) = build(root, ["paperback"])
    return result.path


@pytest.mark.slow
def test_body_pages_are_full_and_chapters_end_on_more_than_two_lines(dictionary):
    pages = body_fill(dictionary, *MARGINS)
    assert len(pages) > 40
    assert [(p.index + 1, p.fill) for p in underfull(pages)] == []
    assert [(p.index + 1, p.lines) for p in short_chapter_ends(pages)] == []


@pytest.mark.slow
def test_a_lead_in_ending_in_a_colon_is_on_the_page_of_what_it_introduces(dictionary):
    reader = pypdf.PdfReader(dictionary)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    lead_in = "Boston, 1803:"
    found = [i for i, text in enumerate(texts) if lead_in in text]
    assert found
    for index in found:
        after = texts[index].split(lead_in)
        # Each lead-in on the page is followed there by the dialogue's first speaker.
        assert all(re.match(r"\s*(Lunarian|Terrestrian)", rest) for rest in after[1:]), (index + 1, texts[index])


def test_page_labels_are_the_printed_folios(built_sample):
    reader = pypdf.PdfReader(built_sample["paperback"].path)
    labels = reader.page_labels
    feet = []
    for page in reader.pages:
        pieces = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: pieces.append((pypdf.mult(tm, cm)[5], text)))
        feet.append(" ".join(t.strip() for y, t in pieces if y < MARGINS[1] and t.strip()))
    printed = {i: foot for i, foot in enumerate(feet) if foot}
    assert any(foot.isdigit() for foot in printed.values()) and any(re.fullmatch("[ivx]+", f) for f in printed.values())
    assert {i: labels[i] for i in printed} == printed
    assert labels[0] == "i" and "1" in labels  # unnumbered pages too: front matter in roman, the body from 1


@pytest.mark.slow
def test_page_labels_of_a_book_laid_out_whole_and_in_chunks_are_the_same(tmp_path):
    root = _dictionary(tmp_path / "book", chapters=2)
    (chunked,) = build(root, ["paperback"], tmp_path / "chunked")
    layout = root / "layouts" / "print-whole"
    layout.mkdir(parents=True)
    (layout / "layout.yaml").write_text("extends: print\nsettings:\n  chunked: false\n")
    book = root / "manuscript" / "book.yaml"
    book.write_text(book.read_text().replace("layout: print", "layout: print-whole"))
    (whole,) = build(root, ["paperback"], tmp_path / "whole")
    assert chunked.chunks is not None and whole.chunks is None
    one, other = pypdf.PdfReader(chunked.path), pypdf.PdfReader(whole.path)
    assert one.page_labels == other.page_labels
    assert one.page_labels[:3] == ["i", "ii", "iii"] and "1" in one.page_labels


def _leader_gaps(pdf: Path) -> list[float]:
    """On the contents page, the space in points between each title's last letter and its leader's first dot."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        page = next(document[i] for i in range(len(document)) if ". . ." in document[i].get_textpage().get_text_range())
        text = page.get_textpage()
        chars = [(text.get_text_range(i, 1), text.get_charbox(i)) for i in range(text.count_chars())]
    finally:
        document.close()
    gaps = []
    for i in range(1, len(chars) - 2):
        (before, box), (char, dot) = chars[i - 1], chars[i]
        if char == "." and before.isalnum() and chars[i + 1][0] == " " and chars[i + 2][0] == ".":
            gaps.append(dot[0] - box[2])
        elif char == "." and before == " " and i > 1 and chars[i - 2][0].isalnum() and chars[i + 2][0] == ".":
            gaps.append(dot[0] - chars[i - 2][1][2])
    return gaps


def test_contents_leaders_start_a_space_after_the_title(built_sample):
    gaps = _leader_gaps(built_sample["paperback"].path)
    assert len(gaps) >= 3
    assert min(gaps) > 4.5, gaps  # a word space at least (11 pt type): flush, the first dot reads as a full stop


ROLL = ("All rights reserved. No part of this book may be reproduced in any form or by any electronic or mechanical "
        "means, including information storage and retrieval systems, without written permission from the "
        "publisher, except by reviewers, who may quote brief passages in a review. This is a work of fiction. "
        "Names, characters, places and incidents are either the products of the author's imagination or are used "
        "fictitiously. Any resemblance to actual persons, living or dead, events or locales is entirely "
        "coincidental. Cover design by the publisher's studio. Typeset in Source Serif. Printed on acid-free paper "
        "from responsibly managed forests. A catalogue record for this book is available from the British Library.")


@pytest.mark.parametrize("layout", ["print", "large-print", "pocket"])
def test_a_real_copyright_page_fits_on_its_page_near_the_top(tmp_path, layout):
    root = tiny_project(tmp_path / "book", print_layout=layout)
    book = root / "manuscript" / "book.yaml"
    data = yaml.safe_load(book.read_text())
    data["metadata"].update(rights=ROLL, publisher="Harbour Lights Press", date="2026-03-01")
    data["metadata"]["creators"].append({"name": "Ann Lee", "role": "illustrator"})
    data["contents"].insert(1, "copyright-page")
    data["editions"]["large-print"] = {"format": "pdf", "layout": "large-print", "identifier": "urn:isbn:9780000000033"}
    book.write_text(yaml.safe_dump(data, allow_unicode=True))
    (result,) = build(root, ["paperback"])
    reader = pypdf.PdfReader(result.path)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    (index,) = [i for i, text in enumerate(texts) if "All rights reserved" in text]
    assert "British Library" in texts[index] and "ISBN" in texts[index]
    assert "Edition" not in texts[index] and "paperback:" not in texts[index]
    tops = []
    reader.pages[index].extract_text(visitor_text=lambda text, cm, tm, font, size: tops.append(pypdf.mult(tm, cm)[5])
                                     if text.strip() else None)
    height = float(reader.pages[index].trimbox.top)
    assert height - max(tops) < 2.2 * 72  # the first line within about two inches of the page's top


@pytest.mark.slow
def test_the_isbn_lines_name_each_edition_by_its_title_or_its_kind_in_the_books_language(tmp_path):
    root = tiny_project(tmp_path / "book")
    book = root / "manuscript" / "book.yaml"
    data = yaml.safe_load(book.read_text())
    data["metadata"]["language"] = "fr"
    data["contents"].insert(1, "copyright-page")
    data["editions"]["kobo"] = {"format": "kepub", "layout": "ebook", "identifier": "urn:isbn:9780000000057"}
    data["editions"]["gros"] = {"format": "pdf", "layout": "large-print", "identifier": "urn:isbn:9780000000033",
                                "edition_title": "Édition en *gros* caractères"}
    # The project's own layout, which extends bookforge's `pocket`: a pocket edition too.
    data["editions"]["poche"] = {"format": "pdf", "layout": "maison", "identifier": "urn:isbn:9780000000040"}
    (root / "layouts" / "maison").mkdir(parents=True)
    (root / "layouts" / "maison" / "layout.yaml").write_text("extends: pocket\n")
    book.write_text(yaml.safe_dump(data, allow_unicode=True))
    (result,) = build(root, ["paperback"])
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(result.path).pages)
    for number, kind in (("978-0-00-000001-9", "livre numérique"), ("978-0-00-000005-7", "livre numérique Kobo"),
                         ("978-0-00-000002-6", "broché"), ("978-0-00-000003-3", "Édition en gros caractères"),
                         ("978-0-00-000004-0", "format poche")):
        assert f"ISBN {number} ({kind})" in text
    assert not re.search(r"\((ebook|kobo|paperback|gros|poche|maison)\)", text)


def test_the_last_two_words_of_a_title_are_tied():
    assert tie_last_words("The Adventures of Sherlock Holmes") == "The Adventures of Sherlock\u00a0Holmes"
    assert tie_last_words("A Tale of <em>Two Cities</em>") == "A Tale of <em>Two\u00a0Cities</em>"
    assert tie_last_words("The Devil’s Dictionary") == "The Devil’s\u00a0Dictionary"
    # Two words may need the line break; two long last words too.
    assert tie_last_words("Middlemarch Revisited") == "Middlemarch Revisited"
    assert tie_last_words("On Extraordinarily Incomprehensible") == "On Extraordinarily Incomprehensible"


def test_the_title_page_ties_the_titles_last_two_words(tmp_path):
    from bookforge.manuscript.load import load_book
    from bookforge.project import load_project
    from bookforge.render.rendition import render

    root = tiny_project(tmp_path / "book", title="The Keeper of the Lighthouse")
    book = load_book(root)
    rendition = render(book, "paperback", load_project(root).layouts["paperback"], page_count=20)
    assert 'class="book-title">The Keeper of the\u00a0Lighthouse</h1>' in rendition.documents[0].content


@pytest.mark.slow
def test_a_long_dictionary_entry_may_break_keeping_two_lines_either_side_and_a_short_one_stays_whole(tmp_path):
    from bookforge.errors import Location
    from bookforge.manuscript.load import load_book
    from bookforge.print.writer import Typesetter
    from bookforge.project import load_project
    from bookforge.render.rendition import render
    from tests import dictionary

    root = dictionary.make(tmp_path / "dictionary")
    for path in sorted((root / "manuscript").glob("0*.yaml")):  # the first 150 entries of each half: ~60 pages
        chapter = yaml.safe_load(path.read_text(encoding="utf-8"))
        chapter["entries"] = chapter["entries"][:150]
        kept = {entry["headword"] for entry in chapter["entries"]}
        for entry in chapter["entries"]:
            entry["see"] = [word for word in entry.get("see", []) if word in kept]
        path.write_text(yaml.safe_dump(chapter, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rendition = render(load_book(root), "paperback", load_project(root).layouts["paperback"], page_count=60)
    modified = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rendered, _, _ = Typesetter(rendition, modified, True, Location("dictionary")).lay_out(
        rendition.documents[0].content)
    lines: dict[str, dict[int, int]] = {}  # entry -> page -> lines of it there
    for index, page in enumerate(rendered.pages):
        _count_entry_lines(page._page_box, None, index, lines)
    split = {ident: on for ident, on in lines.items() if len(on) > 1}
    assert len(lines) > 250 and len(split) >= 5, split  # kept whole, entries pushed whole pages' ends over
    assert {ident: on for ident, on in split.items() if min(on.values()) < 2} == {}
    assert {ident: on for ident, on in lines.items() if sum(on.values()) <= 3 and len(on) > 1} == {}


def _count_entry_lines(box, entry: str | None, page: int, lines: dict) -> None:
    from weasyprint.formatting_structure import boxes

    element = getattr(box, "element", None)
    if element is not None and element.tag == "article" and "grouped" in (element.get("class") or ""):
        entry = element.get("id")
    if isinstance(box, boxes.LineBox):
        if entry is not None:
            lines.setdefault(entry, {}).setdefault(page, 0)
            lines[entry][page] += 1
        return
    for child in getattr(box, "children", ()):
        _count_entry_lines(child, entry, page, lines)


VERSE = """\
title: Verse
introduction: |-
  Lead-in prose, justified and hyphenated as prose is, running over several lines of the page so that the
  paragraph's justification shows against the verse that follows it here:

  > Hail, high Excess, especially in wine, to thee in worship do I bend the knee and ever after sing thy praise\\
  > Who preach abstemiousness unto me\\
  > My skull thy pulpit, as my paunch thy shrine.
  >
  > Precept on precept, aye, and line on line,\\
  > Could ne'er persuade so sweetly to agree
"""


def test_quoted_verse_is_set_as_lines_and_a_lead_in_is_marked():
    from bookforge.render import markup

    html = markup.prose(yaml.safe_load(VERSE)["introduction"], "en")
    assert '<p class="lead-in">' in html
    assert html.count('<p class="lines">') == 2 and html.count('<span class="line">') == 5
    assert "<br" not in html


def test_quoted_verse_hangs_its_turnovers_and_sets_its_stanzas_apart(tmp_path):
    (result,) = build(tiny_project(tmp_path / "book", VERSE), ["paperback"])
    reader = pypdf.PdfReader(result.path)
    runs = []
    for page in reader.pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: runs.append(
            (round(pypdf.mult(tm, cm)[4], 1), round(pypdf.mult(tm, cm)[5], 1), text.strip())) if text.strip() else None)
    start = next(i for i, (_, _, text) in enumerate(runs) if text.startswith("Hail"))
    verse = runs[start:start + 7]
    (first_x, first_y, _), (turn_x, turn_y, turnover) = verse[0], verse[1]
    assert turnover.startswith("ever") or "praise" in turnover, verse  # the overlong line's turnover
    assert turn_x >= first_x + 15, verse  # hangs (2 em at 11 pt is 22 pt)
    assert not verse[0][2].endswith(("-", "\u2010")), verse  # verse is not hyphenated
    line_gap = first_y - turn_y
    stanza = next((y for x, y, text in verse if text.startswith("Precept")))
    before = next((y for x, y, text in verse if text.startswith("My skull")))
    assert before - stanza > 1.5 * line_gap, verse  # a space between stanzas, not an indent
    assert all(abs(x - first_x) < 1 for x, _, text in verse if text.startswith(("Who", "My", "Precept", "Could")))
