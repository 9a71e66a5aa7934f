"""The EPUB judged by EPUBCheck and by its structure: package, documents, navigation, text, safety, reproducibility."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pytest
import yaml
from lxml import etree

from bookforge.build.orchestrate import build
from tests.books import REPO

MANUSCRIPT = REPO / "manuscript"
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/", "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    """Typographic quotes and dashes made plain, Markdown emphasis marks dropped, white space made single."""
    return " ".join(text.translate(TYPOGRAPHY).replace("…", "...").replace("*", "").split())


def _chapters() -> list[dict]:
    book = yaml.safe_load((MANUSCRIPT / "book.yaml").read_text(encoding="utf-8"))
    return [yaml.safe_load((MANUSCRIPT / next(iter(item.values()))).read_text(encoding="utf-8"))
            for item in book["contents"] if isinstance(item, dict)]


BOOK = yaml.safe_load((MANUSCRIPT / "book.yaml").read_text(encoding="utf-8"))
CHAPTERS = _chapters()


@dataclass(frozen=True)
class Epub:
    path: Path
    files: dict[str, bytes]
    opf_path: str
    opf: etree._Element

    def resolve(self, href: str) -> str:
        """A manifest href -> its name in the zip."""
        return str(PurePosixPath(self.opf_path).parent / href.split("#")[0])

    def manifest(self, properties: str | None = None) -> list[etree._Element]:
        items = self.opf.findall("opf:manifest/opf:item", NS)
        return [i for i in items if properties is None or properties in i.get("properties", "").split()]

    def spine_documents(self) -> list[tuple[str, etree._Element]]:
        by_id = {i.get("id"): i for i in self.manifest()}
        refs = self.opf.findall("opf:spine/opf:itemref", NS)
        names = [self.resolve(by_id[ref.get("idref")].get("href")) for ref in refs]
        return [(name, etree.fromstring(self.files[name])) for name in names]

    def xhtml(self) -> dict[str, etree._Element]:
        return {self.resolve(i.get("href")): etree.fromstring(self.files[self.resolve(i.get("href"))])
                for i in self.manifest() if i.get("media-type") == "application/xhtml+xml"}


def open_epub(path: Path) -> Epub:
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    container = etree.fromstring(files["META-INF/container.xml"])
    opf_path = container.find(".//c:rootfile", NS).get("full-path")
    return Epub(path, files, opf_path, etree.fromstring(files[opf_path]))


@pytest.fixture(scope="module")
def ebook(built_sample) -> Epub:
    return open_epub(built_sample["ebook"].path)


def text_of(element: etree._Element) -> str:
    """The element's text; a page-break marker inside a word does not split it."""
    return normalise(" ".join(_without_page_breaks(element).itertext()))


def _without_page_breaks(element: etree._Element) -> etree._Element:
    copy = deepcopy(element)
    for marker in copy.xpath(".//*[@epub:type='pagebreak']", namespaces=NS):
        parent, previous = marker.getparent(), marker.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + (marker.tail or "")
        else:
            parent.text = (parent.text or "") + (marker.tail or "")
        parent.remove(marker)
    return copy


# -- validity -----------------------------------------------------------------------------------------------------
# EPUBCheck and DAISY Ace on the sample's ebook: tests/test_check.py (`bookforge check` runs both).


def test_languages_are_declared_on_the_package_and_every_document(ebook):
    language = BOOK["metadata"]["language"]
    assert ebook.opf.get(XML_LANG) == language
    documents = ebook.xhtml()
    assert len(documents) >= len(CHAPTERS) + 1
    for name, root in documents.items():
        assert (root.get("lang"), root.get(XML_LANG)) == (language, language), name


def test_one_document_per_chapter(ebook):
    documents = ebook.spine_documents()
    for chapter in CHAPTERS:
        holding = [name for name, root in documents
                   if any(normalise(chapter["title"]) == text_of(h) for h in root.iterfind(".//x:h1", NS))]
        assert len(holding) == 1, (chapter["title"], holding)
        (name,) = holding
        body = text_of(dict(documents)[name])
        for entry in chapter.get("entries", []):
            assert normalise(entry["title"]) in body
    # Nothing but the cover and the generated pages besides the chapters: title page, copyright page, contents.
    assert len(documents) == 1 + len(CHAPTERS) + sum(isinstance(item, str) for item in BOOK["contents"])
    assert documents[0][0].endswith("cover.xhtml")


def test_navigation_document_lists_the_chapters_and_landmarks(ebook):
    (nav_item,) = ebook.manifest(properties="nav")
    nav_name = ebook.resolve(nav_item.get("href"))
    nav = etree.fromstring(ebook.files[nav_name])
    kind = "{%s}type" % NS["epub"]
    (toc,) = [n for n in nav.iterfind(".//x:nav", NS) if n.get(kind) == "toc"]
    links = toc.findall(".//x:a", NS)
    assert [text_of(a) for a in links] == [normalise(c["title"]) for c in CHAPTERS]
    documents = dict(ebook.spine_documents())
    for link, chapter in zip(links, CHAPTERS):
        target = str(PurePosixPath(nav_name).parent / link.get("href").split("#")[0])
        assert normalise(chapter["title"]) in [text_of(h) for h in documents[target].iterfind(".//x:h1", NS)]
    (landmarks,) = [n for n in nav.iterfind(".//x:nav", NS) if n.get(kind) == "landmarks"]
    types = {a.get(kind) for a in landmarks.iterfind(".//x:a", NS)}
    assert {"toc", "bodymatter"} <= types


def test_ncx_lists_the_chapters(ebook):
    spine = ebook.opf.find("opf:spine", NS)
    (ncx_item,) = [i for i in ebook.manifest() if i.get("id") == spine.get("toc")]
    assert ncx_item.get("media-type") == "application/x-dtbncx+xml"
    ncx = etree.fromstring(ebook.files[ebook.resolve(ncx_item.get("href"))])
    labels = [text_of(t) for t in ncx.iterfind("ncx:navMap/ncx:navPoint/ncx:navLabel/ncx:text", NS)]
    assert labels == [normalise(c["title"]) for c in CHAPTERS]


def test_package_metadata(ebook):
    meta = ebook.opf.find("opf:metadata", NS)
    assert [t.text for t in meta.findall("dc:title", NS)][0] == BOOK["metadata"]["title"]
    assert [c.text for c in meta.findall("dc:creator", NS)] == [c["name"] for c in BOOK["metadata"]["creators"]]
    assert meta.findtext("dc:language", namespaces=NS) == BOOK["metadata"]["language"]
    unique = ebook.opf.get("unique-identifier")
    (identifier,) = [i for i in meta.findall("dc:identifier", NS) if i.get("id") == unique]
    assert identifier.text == BOOK["editions"]["ebook"]["identifier"]
    (modified,) = [m.text for m in meta.findall("opf:meta", NS) if m.get("property") == "dcterms:modified"]
    expected = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), tz=timezone.utc)
    assert modified == expected.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_stylesheets_have_no_fixed_page_geometry(ebook):
    sheets = {name: data.decode("utf-8") for name, data in ebook.files.items() if name.endswith(".css")}
    assert sheets
    for name, css in sheets.items():
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        # `size` is a property of @page only: wherever it is, it fixes the page.
        assert not re.search(r"(?<![-\w])size\s*:", css), name
        absolute = re.findall(r"font(?:-size)?\s*:[^;}]*?\d(?:pt|pc|in|cm|mm|px)\b", css)
        assert absolute == [], name


def test_all_entry_titles_and_every_sentence_are_present(ebook):
    documents = dict(ebook.spine_documents())
    titles = 0
    for chapter in CHAPTERS:
        (body,) = [text_of(root) for root in documents.values()
                   if normalise(chapter["title"]) in [text_of(h) for h in root.iterfind(".//x:h1", NS)]]
        for entry in chapter.get("entries", []):
            assert normalise(entry["title"]) in body
            titles += 1
            for field, value in entry.items():
                if field in ("type", "title"):
                    continue
                for sentence in re.split(r"(?<=[.!?])\s+", value.strip()):
                    assert normalise(sentence) in body, (entry["title"], field, sentence)
    assert titles == 42


# -- manuscript text cannot inject markup ---------------------------------------------------------------------

TINY_BOOK = """\
metadata:
  title: Tiny
  creators: [{name: Test Author}]
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000000
contents:
  - chapter: 01-chapter.yaml
editions:
  ebook: {format: epub, layout: ebook, identifier: urn:isbn:9780000000019}
"""
HOSTILE_CHAPTER = """\
title: A <i>Chapter</i>
entries:
  - type: scene
    title: Bold <b onclick="alert(1)">move</b>
    text: >-
      Before <script>alert("x")</script> and <b onclick="steal()">bold</b> after.
      An [evil link](javascript:alert(1)) too.
    context: <img src=x onerror=alert(2)> Context.
"""


@pytest.mark.slow
def test_raw_html_in_the_manuscript_is_escaped(tmp_path, epubcheck):
    project = tmp_path / "tiny"
    (project / "manuscript").mkdir(parents=True)
    (project / "manuscript" / "book.yaml").write_text(TINY_BOOK, encoding="utf-8")
    (project / "manuscript" / "01-chapter.yaml").write_text(HOSTILE_CHAPTER, encoding="utf-8")
    shutil.copytree(REPO / "assets", project / "assets")
    (result,) = build(project, ["ebook"], tmp_path / "out")
    epub = open_epub(result.path)
    documents = epub.xhtml()  # the chapter, and the navigation document built from its titles
    assert len(documents) >= 2
    for name, root in documents.items():
        for element in ("script", "b", "i"):
            assert root.find(f".//x:{element}", NS) is None, (name, element)
        # The only image is bookforge's own cover.
        assert [img.get("src") for img in root.iterfind(".//x:img", NS)] in ([], ["images/cover.jpg"]), name
        assert not [e for e in root.iter() if any(a.startswith("on") for a in e.attrib)], name
        assert not [a for a in root.iterfind(".//x:a", NS) if "script" in (a.get("href") or "").lower()], name
    (chapter,) = [root for root in documents.values() if "Before" in " ".join(root.itertext())]
    html = etree.tostring(chapter, encoding="unicode")
    # The markup is shown as the text the author typed.
    text = " ".join(chapter.itertext()).replace("”", '"').replace("“", '"')
    for typed in ("<script>alert(", "<b onclick=", "<img src=x onerror=alert(2)>", "<i>Chapter</i>"):
        assert typed in text, typed
    assert "&lt;script&gt;" in html
    assert epubcheck(result.path) == []


# -- reproducible bytes ---------------------------------------------------------------------------------------


def test_mimetype_is_the_first_entry_and_stored(ebook):
    with zipfile.ZipFile(ebook.path) as archive:
        first = archive.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert ebook.files["mimetype"] == b"application/epub+zip"
    # OCF: the bytes right after the first local header spell the media type, so tools can sniff it.
    assert ebook.path.read_bytes()[30:58] == b"mimetypeapplication/epub+zip"
