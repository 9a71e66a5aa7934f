"""The 1,090-entry dictionary (tests/dictionary.py), a book of types of its own at the size of a real book, built in
every edition (issue 14): its EPUBs pass EPUBCheck and DAISY Ace, and each `see WORD, p. N` of the paperback gives the
page WORD's entry is on. Its own module, so that a parallel test run builds it beside the other type books."""

from __future__ import annotations

import re
import zipfile
from collections import Counter

import pytest
from lxml import etree

from bookforge.build.orchestrate import build
from bookforge.check import ace
from tests.books import outline_titles, pages_text
from tests.dictionary import make as make_dictionary

pytestmark = pytest.mark.slow  # a 1,090-entry book in every edition, EPUBCheck, Ace


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> dict:
    """{edition: EditionResult} of the dictionary, built once."""
    report = build(make_dictionary(tmp_path_factory.mktemp("dictionary") / "dictionary"))
    assert all(not result.warnings for result in report), [w for r in report for w in r.warnings]
    return {result.name: result for result in report}


@pytest.mark.parametrize("edition", ["ebook", "kobo"])
def test_the_dictionary_ebooks_pass_epubcheck(dictionary, edition, epubcheck):
    assert epubcheck(dictionary[edition].path) == []


def test_the_dictionary_ebook_passes_daisy_ace(dictionary):
    result = ace(dictionary["ebook"].path)
    if result.skipped:
        pytest.skip(result.skipped)
    assert list(result.errors) == []


def test_the_dictionary_has_a_thousand_entries_and_pages_that_references_name(dictionary):
    epub = zipfile.ZipFile(dictionary["ebook"].path)
    articles = sum(len(etree.fromstring(epub.read(name)).findall(".//{*}article"))
                   for name in epub.namelist() if name.endswith(("a-l.xhtml", "m-z.xhtml")))
    assert articles >= 1_000

    paperback = dictionary["paperback"]
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
