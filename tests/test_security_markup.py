"""A layout's stylesheets and templates may put into a book only what a book needs (issue 12, section 2): URLs to
the book's own fonts, images and stylesheets; the elements, attributes and URL schemes of a book's documents. Each
refusal names the layout file (and line) that made it.

Before: an ebook layout's CSS with `@import url(file:///...)`, `url(http://127.0.0.1/)` or `url(../../...)` went
into the EPUB as written (the PDF's fetcher refused them, the EPUB had no such check), to be fetched by a reading
system or the preview's browser; so did `<script>`, `<iframe>`, `<object>`, event handlers and `javascript:` or
`file:` URLs written by a layout's templates."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bookforge.build.orchestrate import build
from tests.security_book import hostile_layout, outputs, run_cli, tiny_project

CHAPTER_OPEN = '<section id="{{ part.id }}" class="part">'
CHAPTER_CLOSE = '<h1 id="{{ part.id }}-title">{{ part.title }}</h1></section>'

STYLESHEETS = {
    "import of a file": ('@import url("file:///etc/passwd");', 1),
    "import of loopback": ('@import "http://127.0.0.1:9/x.css";', 1),
    "import escaped": ("@\\69mport url(http://127.0.0.1:9/x.css);", 1),
    "url out of the book": ("body { background: url(../../../secret.png) }", 1),
    "url to loopback": ("p {}\nbody { background: url(http://127.0.0.1:9/) }", 2),
    "url escaped": ("body { background: u\\72l(http://127.0.0.1:9/) }", 1),
    "scheme-relative url": ("body { background: url(//127.0.0.1:9/x.png) }", 1),
    "backslash url": ('body { background: url("/\\\\127.0.0.1:9/x.png") }', 1),
    "image-set": ('body { background: image-set("http://127.0.0.1:9/x.png" 1x) }', 1),
    "font-face": ("@font-face { font-family: x; src: url(http://127.0.0.1:9/f.woff2) }", 1),
    "inside @media": ("@media screen {\n  body { background: url(file:///etc/hostname) }\n}", 2),
    "inside @supports": ("@supports (display: grid) { body { background: url(https://example.org/x.png) } }", 1),
    "data: HTML": ('body { background: url("data:text/html,<script>alert(1)</script>") }', 1),
    "data: SVG": ('body { background: url("data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=") }', 1),
    "malformed url": ("body { background: url(javascript:alert(1)) }", 1),
    "cursor": ("body { cursor: url(http://127.0.0.1:9/c.cur), auto }", 1),
    "list-style": ("li { list-style-image: url('file:///etc/passwd') }", 1),
    "content": ('p::before { content: url("http://127.0.0.1:9/a.png") }', 1),
}


@pytest.mark.parametrize("css, line", STYLESHEETS.values(), ids=STYLESHEETS.keys())
@pytest.mark.parametrize("edition", ["ebook", "paperback"])
def test_a_stylesheet_may_refer_only_to_the_books_own_files(tmp_path: Path, css: str, line: int, edition: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile", print_layout="hostile-print")
    hostile_layout(root, files={"styles/hostile.css": css})
    hostile_layout(root, name="hostile-print", extends="print", files={"styles/hostile.css": css})
    folder = "hostile" if edition == "ebook" else "hostile-print"

    run = run_cli(root, edition)

    assert run.code == 1, run.stderr
    assert f"layouts/{folder}/styles/hostile.css:{line}:" in run.stderr and "error[unsafe-css]" in run.stderr
    assert outputs(root) == []


def test_a_setting_cannot_smuggle_css_into_a_stylesheet(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, settings='  accent_colour: "#555; } body { background: url(http://127.0.0.1:9/) } a {"\n')

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert "(bookforge)/base/styles/base.css:" in run.stderr and "`url(http://127.0.0.1:9/)`" in run.stderr


TEMPLATES = {
    "script": ("<script>alert(1)</script>", "<script"),
    "script in another namespace": ('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>', "<script"),
    "iframe": ('<iframe src="file:///etc/passwd"></iframe>', "<iframe"),
    "object": ('<object data="file:///etc/passwd"></object>', "<object"),
    "embed": ('<embed src="http://127.0.0.1:9/x.swf"/>', "<embed"),
    "form": ('<form action="http://127.0.0.1:9/"><input name="q"/></form>', "<form"),
    "base": ('<base href="http://127.0.0.1:9/"/>', "<base"),
    "event handler": ('<p onclick="alert(1)">x</p>', "onclick"),
    "javascript link": ('<a href="javascript:alert(1)">x</a>', "javascript:alert(1)"),
    "javascript link with a tab": ('<a href=" java&#x09;script:alert(1)">x</a>', "chapter.html"),
    "file link": ('<a href="file:///etc/passwd">x</a>', "file:///etc/passwd"),
    "link out of the book": ('<a href="../../secret.html">x</a>', "../../secret.html"),
    "file image": ('<img src="file:///etc/passwd" alt=""/>', "file:///etc/passwd"),
    "remote image": ('<img src="http://127.0.0.1:9/x.png" alt=""/>', "http://127.0.0.1:9/x.png"),
    "SVG data image": ('<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=" alt=""/>', "data:image/svg"),
    "stylesheet from elsewhere": ('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"/>', "127.0.0.1:9/x.css"),
    "meta refresh": ('<meta http-equiv="refresh" content="0; url=http://127.0.0.1:9/"/>', "refresh"),
    "style element import": ("<style>@import url(http://127.0.0.1:9/x.css);</style>", "@import"),
    "style attribute url": ('<p style="background: url(file:///etc/passwd)">x</p>', "file:///etc/passwd"),
    "inline svg script": ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script"),
    "inline svg link": ('<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>', "<image"),
    "math action": ('<math xmlns="http://www.w3.org/1998/Math/MathML"><maction actiontype="statusline"/></math>',
                    "<math"),
    "processing instruction": ('<?xml-stylesheet href="file:///etc/passwd"?>', "<?xml-stylesheet"),
    "cite": ('<blockquote cite="javascript:alert(1)">x</blockquote>', "javascript:alert(1)"),
}


@pytest.mark.parametrize("markup, needle", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_an_ebook_template_may_make_only_what_a_book_needs(tmp_path: Path, markup: str, needle: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"templates/chapter.html": CHAPTER_OPEN + "\n" + markup + "\n" + CHAPTER_CLOSE})

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/templates/chapter.html" in run.stderr and "error[unsafe-markup]" in run.stderr, run.stderr
    if needle != "chapter.html":
        assert "layouts/hostile/templates/chapter.html:2:" in run.stderr, run.stderr
    assert outputs(root) == []


def test_a_document_template_with_its_own_dtd_is_refused(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"templates/document.xhtml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en"><head><title>x</title></head>'
        "<body>{{ part.html }}&x;</body></html>")})

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/templates/document.xhtml:2:1: error[unsafe-markup]" in run.stderr


def test_a_print_template_is_held_to_the_same_list(tmp_path: Path):
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    hostile_layout(root, extends="print", files={
        "templates/chapter.html": CHAPTER_OPEN + '<iframe src="file:///etc/passwd"></iframe>' + CHAPTER_CLOSE})

    run = run_cli(root, "paperback")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/templates/chapter.html:1:" in run.stderr and "<iframe>" in run.stderr


def _png_base64() -> str:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_what_a_book_needs_still_builds_and_passes_epubcheck(tmp_path: Path, epubcheck):
    """A custom layout using every allowed kind of reference: the book's fonts, its own stylesheets, an embedded
    bitmap, links to the web, to mail and to the book's documents, inline styles, ARIA and data attributes (and,
    in print, an inline SVG ornament)."""
    root = tiny_project(tmp_path / "project", ebook_layout="house", print_layout="house-print")
    css = (f'.part {{ background: url("data:image/png;base64,{_png_base64()}") repeat-x; }}\n'
           '@font-face { font-family: House; src: url("../fonts/LinLibertine_RI.otf"); }\n'
           '@media screen { h1 { font-family: House, serif; } }\n@page { size: 6in 9in; margin: 1in; }\n')
    chapter = ('<section id="{{ part.id }}" class="part" epub:type="chapter" role="doc-chapter" data-house="1" '
               'aria-labelledby="{{ part.id }}-title" style="color: #333">'
               '<h1 id="{{ part.id }}-title">{{ part.title }}</h1>'
               '<p><a href="https://example.org/">web</a> <a href="mailto:jane@example.org">mail</a> '
               '<a href="title-page.xhtml">title</a> <a href="#{{ part.id }}-title">top</a></p>'
               '{% for entry in part.entries %}{% include entry.template %}{% endfor %}</section>')
    hostile_layout(root, name="house", files={"templates/chapter.html": chapter, "styles/house.css": css})
    ornament = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" '
                'height="10" viewBox="0 0 20 10" aria-hidden="true"><defs><linearGradient id="g"><stop offset="0" '
                'stop-color="#555"/></linearGradient><circle id="dot" r="3"/></defs>'
                '<use xlink:href="#dot" x="5" y="5" fill="url(#g)"/><use href="#dot" x="15" y="5"/></svg>')
    hostile_layout(root, name="house-print", extends="print",
                   files={"templates/chapter.html": chapter.replace("title-page.xhtml", "#title-page")
                          .replace("</h1>", "</h1>" + ornament), "styles/house.css": css})

    report = {result.name: result for result in build(root)}

    assert epubcheck(report["ebook"].path) == []
    with zipfile.ZipFile(report["ebook"].path) as epub:
        chapter_xhtml = epub.read("EPUB/chapter.xhtml").decode()
    assert 'href="mailto:jane@example.org"' in chapter_xhtml and 'data-house="1"' in chapter_xhtml
    assert report["paperback"].pages >= 1
