"""The images figures name: read once at load from the project's assets/ (or, when allowed, a public address),
checked to be what they claim, never reaching outside the project or to this machine's network."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge.epub import cover as epubcover
from bookforge.errors import BookforgeError
from bookforge.manuscript.images import RESERVED_IMAGES
from bookforge.manuscript.load import load_book
from tests.books import figures_project, write_png


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return figures_project(tmp_path / "book")


def test_load_reads_each_image_once_with_its_real_media_type(project: Path):
    book = load_book(project)

    assert {src: (image.media_type, image.width) for src, image in book.images.items()} == {
        "images/launch.png": ("image/png", 120), "images/stars.svg": ("image/svg+xml", None)}


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
    write_png(tmp_path / "elsewhere.png")
    (project / "assets" / "images" / "launch.png").unlink()
    (project / "assets" / "images" / "launch.png").symlink_to(tmp_path / "elsewhere.png")

    with pytest.raises(BookforgeError) as error:
        load_book(project)

    (problem,) = error.value.diagnostics
    assert (problem.code, str(problem.location)) == ("path-outside", "manuscript/01-chapter.yaml:8:10")


def test_the_ebooks_own_cover_name_is_reserved():
    assert epubcover.IMAGE in RESERVED_IMAGES


def _remote_project(project: Path, src: str, allow: bool) -> None:
    chapter = project / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text().replace("src: images/launch.png", f"src: {src}"))
    if allow:
        book = project / "manuscript" / "book.yaml"
        book.write_text(book.read_text() + "remote_images: true\n")


@pytest.mark.parametrize("allow", [False, True])
def test_remote_images_never_reach_this_machine(project: Path, loopback_server, allow: bool):
    """Off by default; when an author turns them on, still never from loopback (or private) addresses."""
    _remote_project(project, f"{loopback_server.url}/launch.png", allow)

    with pytest.raises(BookforgeError) as excinfo:
        load_book(project)

    (problem,) = excinfo.value.diagnostics
    assert problem.code == "remote-image" and problem.location.line == 8
    expected = "loopback, private or reserved" if allow else "remote images are not fetched"
    assert expected in problem.message
    assert loopback_server.requests == []


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
