"""Figures: images from the project's assets/ checked at load, carried by the EPUB and the PDF, seen by the cache."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from bookforge.epub import accessibility as a11y

from bookforge.epub import cover as epubcover
from bookforge.build.orchestrate import build
from bookforge.project import load_project
from bookforge.build.cache import edition_inputs
from bookforge.errors import BookforgeError
from bookforge.manuscript.images import RESERVED_IMAGES
from bookforge.manuscript.load import load_book

from tests.books import REPO

XHTML = "{http://www.w3.org/1999/xhtml}"

BOOK = """\
metadata:
  title: A Book With Pictures
  creators:
    - name: Jane Doe
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000001
contents:
  - title-page
  - chapter: 01-chapter.yaml
editions:
  ebook:
    format: epub
    layout: ebook
    identifier: urn:isbn:9780000000019
  paperback:
    format: pdf
    layout: print
    identifier: urn:isbn:9780000000026
"""

CHAPTER = """\
title: The Launch
entries:
  - type: scene
    title: The Dream Begins
    text: José gazes at the stars.
    context: It starts everything.
  - type: figure
    src: images/launch.png
    alt: A rocket rising over the desert at dawn.
    caption: The launch, *as the film shows it*.
  - type: figure
    src: images/stars.svg
    decorative: true
"""

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10" viewBox="0 0 40 10">'
       b'<circle cx="5" cy="5" r="4" fill="#555"/></svg>')


def _png(path: Path, size=(120, 80)) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 80, 40)).save(path, "PNG")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.yaml").write_text(BOOK, encoding="utf-8")
    (root / "manuscript" / "01-chapter.yaml").write_text(CHAPTER, encoding="utf-8")
    shutil.copytree(REPO / "assets", root / "assets")
    _png(root / "assets" / "images" / "launch.png")
    (root / "assets" / "images" / "stars.svg").write_bytes(SVG)
    return root


def test_load_reads_each_image_once_with_its_real_media_type(project: Path):
    book = load_book(project)

    assert {src: (image.media_type, image.width) for src, image in book.images.items()} == {
        "images/launch.png": ("image/png", 120), "images/stars.svg": ("image/svg+xml", None)}


def test_the_epub_carries_the_images_and_passes_epubcheck(project: Path, epubcheck):
    (ebook,) = build(project, ["ebook"]).editions

    assert epubcheck(ebook.path) == []
    with zipfile.ZipFile(ebook.path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        chapter = etree.fromstring(epub.read("EPUB/chapter.xhtml"))
        assert epub.read("EPUB/images/launch.png")[:8] == b"\x89PNG\r\n\x1a\n"
    types = {item.get("href"): item.get("media-type") for item in opf.iter("{*}item")}
    assert types["images/launch.png"] == "image/png"
    assert types["images/stars.svg"] == "image/svg+xml"
    images = {img.get("src"): img for img in chapter.iter(f"{XHTML}img")}
    assert images["images/launch.png"].get("alt") == "A rocket rising over the desert at dawn."
    assert images["images/stars.svg"].get("alt") == ""
    assert images["images/stars.svg"].get("role") == "presentation"
    caption = chapter.find(f".//{XHTML}figcaption")
    assert caption.find(f"{XHTML}em").text == "as the film shows it"
    features = [m.text for m in opf.iter("{*}meta") if m.get("property") == "schema:accessibilityFeature"]
    assert "alternativeText" in features


def test_the_pdf_draws_the_image_from_memory(project: Path):
    (paperback,) = build(project, ["paperback"]).editions

    with pikepdf.open(paperback.path) as pdf:
        sizes = [(int(xobject.Width), int(xobject.Height)) for page in pdf.pages
                 for xobject in page.get_images().values()]
    assert (120, 80) in sizes


def test_decorative_images_are_marked_and_the_claims_still_hold(project: Path):
    only_decorative = CHAPTER.replace("src: images/launch.png\n    alt: A rocket rising over the desert at dawn.\n",
                                      "src: images/launch.png\n    decorative: true\n")
    (project / "manuscript" / "01-chapter.yaml").write_text(only_decorative, encoding="utf-8")
    (ebook,) = build(project, ["ebook"]).editions

    with zipfile.ZipFile(ebook.path) as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
        documents = {name: etree.fromstring(epub.read(name)) for name in epub.namelist()
                     if name.endswith(".xhtml") and not name.endswith("nav.xhtml")}
    content = a11y.survey({"chapter": documents["EPUB/chapter.xhtml"]})
    assert (content.images, content.described, content.decorative) == (2, 0, 2)
    assert a11y.audit(opf, documents, 0) == []


def test_a_changed_image_changes_the_editions_inputs(project: Path):
    def inputs() -> str:
        book = load_book(project)
        return edition_inputs(book, "ebook", load_project(Path(book.root)).layouts["ebook"], "0")

    before = inputs()
    _png(project / "assets" / "images" / "launch.png", size=(121, 80))
    assert inputs() != before


def test_an_edition_without_figures_carries_no_images(project: Path):
    text = BOOK + "    entry_types: [scene]\n"
    (project / "manuscript" / "book.yaml").write_text(text, encoding="utf-8")
    (paperback,) = build(project, ["paperback"]).editions
    with pikepdf.open(paperback.path) as pdf:
        assert not any(page.get_images() for page in pdf.pages)


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
    b'<image x:href="file:///etc/passwd"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://example.org/a)"/></svg>',
    b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"><text>&a;</text></svg>',
], ids=["script", "file-link", "remote-style", "entity"])
def test_an_svg_that_reaches_outside_itself_is_refused(project: Path, svg: bytes):
    (project / "assets" / "images" / "stars.svg").write_bytes(svg)

    with pytest.raises(BookforgeError) as error:
        load_book(project)

    assert [d.code for d in error.value.diagnostics] == ["not-an-image"]


def test_a_symbolic_link_out_of_the_assets_is_refused(project: Path, tmp_path: Path):
    _png(tmp_path / "elsewhere.png")
    (project / "assets" / "images" / "launch.png").unlink()
    (project / "assets" / "images" / "launch.png").symlink_to(tmp_path / "elsewhere.png")

    with pytest.raises(BookforgeError) as error:
        load_book(project)

    (problem,) = error.value.diagnostics
    assert (problem.code, str(problem.location)) == ("path-outside", "manuscript/01-chapter.yaml:8:10")


def test_the_ebooks_own_cover_name_is_reserved():
    assert epubcover.IMAGE in RESERVED_IMAGES


class _CountingServer:
    """A loopback HTTP server that counts the requests it gets (it must get none)."""

    def __init__(self):
        import http.server
        import threading

        self.requests = 0
        counter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                counter.requests += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"not an image")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/launch.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _remote_project(project: Path, src: str, allow: bool) -> None:
    chapter = project / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text().replace("src: images/launch.png", f"src: {src}"))
    if allow:
        book = project / "manuscript" / "book.yaml"
        book.write_text(book.read_text() + "remote_images: true\n")


@pytest.mark.parametrize("allow", [False, True])
def test_remote_images_never_reach_this_machine(project: Path, allow: bool):
    """Off by default; when an author turns them on, still never from loopback (or private) addresses."""
    server = _CountingServer()
    try:
        _remote_project(project, server.url, allow)
        with pytest.raises(BookforgeError) as excinfo:
            load_book(project)
    finally:
        server.close()
    (problem,) = excinfo.value.diagnostics
    assert problem.code == "remote-image" and problem.location.line == 8
    expected = "loopback, private or reserved" if allow else "remote images are not fetched"
    assert expected in problem.message
    assert server.requests == 0


@pytest.mark.parametrize("src, expected", [
    ("http://10.1.2.3/launch.png", "loopback, private or reserved"),
    ("http://[::1]/launch.png", "loopback, private or reserved"),
    ("http://169.254.169.254/latest/meta-data", "loopback, private or reserved"),
    ("ftp://example.org/launch.png", "not an http(s) address"),
    ("file:///etc/passwd", "not an http(s) address"),
])
def test_remote_images_turned_on_refuse_other_schemes_and_private_addresses(project: Path, src: str, expected: str):
    _remote_project(project, src, allow=True)
    with pytest.raises(BookforgeError) as excinfo:
        load_book(project)
    (problem,) = excinfo.value.diagnostics
    assert expected in problem.message, problem
