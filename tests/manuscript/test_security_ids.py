"""Ids are unique by construction: chapters whose file names look like the ids bookforge derives for other things
(`x.yaml` beside `x-title.yaml`, `cover.yaml`, `nav.yaml`, `page-2.yaml`...) each get an anchor of their own, and
every contents link reaches its own chapter, in the EPUB and in the PDF."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest
import yaml
from lxml import etree

from bookforge.build import cache_key
from bookforge.build.orchestrate import build
from bookforge.manuscript.load import load_book

# Each stem is one that collided: with a heading's id (`x-title`), an entry's (`x-entry-1`, `x-entry-1-title`),
# the EPUB package's (`cover`, `nav`, `ncx`, `id`, `subtitle`, `creator0`), a page marker (`page-2`), Kobo's
# wrapper (`book-columns`), another chapter's after de-duplication (`x-2`).
STEMS = ["x", "x-title", "x-entry-1", "x-entry-1-title", "x-2", "x", "cover", "nav", "ncx", "id", "subtitle",
         "creator0", "page-2", "page", "book-columns", "r-styles-0-base-base-css"]
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "key" / "cache.key"))


@pytest.fixture
def colliding(sample_project: Path) -> tuple[Path, list[str]]:
    """The sample with one chapter for each stem (in folders, for the same stem twice), each titled uniquely."""
    book_file = sample_project / "manuscript" / "book.yaml"
    book = yaml.safe_load(book_file.read_text(encoding="utf-8"))
    titles = []
    for n, stem in enumerate(STEMS):
        title = f"Chapter {n} called {stem}"
        relative = f"more/{n}/{stem}.yaml"
        path = sample_project / "manuscript" / relative
        path.parent.mkdir(parents=True)
        path.write_text(yaml.safe_dump({"title": title, "entries": [
            {"type": "scene", "title": f"Scene of {title}", "text": f"Text of {title}.",
             "context": "Why it counts."}]}), encoding="utf-8")
        book["contents"].append({"chapter": relative})
        titles.append(title)
    book["editions"] = {name: book["editions"][name] for name in ("ebook", "paperback")}
    book_file.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return sample_project, titles


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_every_id_in_the_ebook_is_unique_and_every_contents_link_reaches_its_chapter(colliding, epubcheck):
    project, titles = colliding
    (ebook,) = build(project, ["ebook"])
    assert epubcheck(ebook.path) == []  # duplicate ids, manifest ids or file names are errors
    with zipfile.ZipFile(ebook.path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, data in files.items():
        if name.endswith((".xhtml", ".opf")):
            ids = etree.fromstring(data).xpath("//@id")
            assert len(ids) == len(set(ids)), f"{name}: {sorted(i for i in ids if ids.count(i) > 1)}"
    nav = etree.fromstring(files["EPUB/nav.xhtml"])
    reached = {}
    for link in nav.iterfind(f".//{XHTML}nav[@{{http://www.idpf.org/2007/ops}}type='toc']//{XHTML}a"):
        document, _, fragment = link.get("href").partition("#")
        root = etree.fromstring(files[f"EPUB/{document}"])
        target = root.xpath("//*[@id=$i]", i=fragment)[0] if fragment else root
        heading = target.find(f".//{XHTML}h1")
        reached[_text(link)] = _text(heading) if heading is not None else None
    for title in titles:
        assert reached[title] == title
    # The book's own contents page links each chapter's document.
    contents = etree.fromstring(files["EPUB/table-of-contents.xhtml"])
    for link in contents.iterfind(f".//{XHTML}a"):
        document = link.get("href").partition("#")[0]
        heading = etree.fromstring(files[f"EPUB/{document}"]).find(f".//{XHTML}h1")
        assert _text(heading) in _text(link), (link.get("href"), _text(link))


def test_every_contents_link_in_the_pdf_reaches_its_chapter(colliding):
    project, titles = colliding
    (paperback,) = build(project, ["paperback"])
    title_of = {part.id: part.chapter.title for part in load_book(project).parts if part.chapter is not None}
    reader = pypdf.PdfReader(paperback.path)
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    reached = {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or ():
            annotation = annotation.get_object()
            dest = annotation.get("/Dest")
            if annotation.get("/Subtype") == "/Link" and isinstance(dest, str) and dest in title_of:
                reached[title_of[dest]] = reader.get_destination_page_number(reader.named_destinations[dest])
    assert set(titles) <= set(reached), set(titles) - set(reached)
    for title, page in reached.items():
        assert title in pages[page], f"the contents' link to `{title}` leads to page {page + 1}"


def test_part_ids_never_take_a_form_bookforge_derives():
    from bookforge.manuscript.load import _unique

    seen: set[str] = set()
    ids = [_unique(stem, seen) for stem in STEMS + ["a-entry", "a-entry", "x-title-part", "part-page"]]
    assert len(ids) == len(set(ids))
    derived = {f"{i}{suffix}" for i in ids for suffix in ("-title", "-entry-1", "-entry-1-title", "-entry-12")}
    assert not derived & set(ids)
    taken = re.compile(r"id|nav|ncx|cover|cover-image|subtitle|creator\d+|page-[a-z0-9]+|page-list|book-columns|"
                       r"book-inner|r-.*")
    assert not [i for i in set(ids) | derived if taken.fullmatch(i)]
