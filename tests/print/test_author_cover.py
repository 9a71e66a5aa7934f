"""The author's own cover (`cover:` in book.yaml): the ebook's cover from their image, resized to the stores'
limits; per print edition a finished wrap checked against the computed width, or a front for the generated wrap."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml
from PIL import Image

from bookforge.build.orchestrate import build
from bookforge.covers import EBOOK_HEIGHT, EBOOK_WIDTH, FRONT_DPI, cover_geometry
from bookforge.errors import BookforgeError
from bookforge.print.raster import page_images
from bookforge.project import load_project
from tests.books import load_problems, tiny_project

ART = (180, 40, 60)
"""The author's art: one colour no generated cover has."""


def _image(path: Path, size: tuple[int, int], colour=ART) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def _with_cover(root: Path, cover: dict) -> Path:
    book = root / "manuscript" / "book.yaml"
    data = yaml.safe_load(book.read_text())
    data["cover"] = cover
    book.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return root


def _wrap_pdf(path: Path, width: float, height: float) -> None:
    """A one-page PDF of `width` x `height` inches, as a designer's program exports a wrap."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(width * 72, height * 72))
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(path)


@pytest.mark.slow
def test_the_ebook_cover_is_the_authors_image_resized_for_the_stores(tmp_path, epubcheck):
    root = _with_cover(tiny_project(tmp_path / "book"), {"image": "images/cover.png"})
    _image(root / "assets" / "images" / "cover.png", (1800, 2880))  # larger than the stores take
    (ebook,) = build(root, ["ebook"])
    assert epubcheck(ebook.path) == []
    with zipfile.ZipFile(ebook.path) as archive:
        cover = Image.open(io.BytesIO(archive.read("EPUB/images/cover.jpg")))
    assert cover.format == "JPEG" and cover.size == (EBOOK_WIDTH, EBOOK_HEIGHT)  # its 1:1.6 shape kept
    assert all(abs(a - b) < 8 for a, b in zip(cover.getpixel((EBOOK_WIDTH // 2, EBOOK_HEIGHT // 2)), ART))


def test_an_ebook_cover_image_too_small_is_refused_with_the_size_it_needs(tmp_path):
    root = _with_cover(tiny_project(tmp_path / "book"), {"image": "images/cover.jpg"})
    _image(root / "assets" / "images" / "cover.jpg", (1000, 1600))
    (problem,) = load_problems(root)
    assert problem.startswith("manuscript/book.yaml:")
    assert "error[cover-image]: `images/cover.jpg` is 1,000 x 1,600 px; an ebook's cover needs at least 1,400 px " \
           "across (1,400 x 2,240 px at this shape)" in problem


def test_cover_art_goes_through_the_image_checks_and_names_print_editions(tmp_path):
    root = _with_cover(tiny_project(tmp_path / "book"), {
        "image": "../outside.png", "print": {"paperbak": {"front": "images/front.png"}}})
    problems = load_problems(root)
    assert any("error[path-outside]: `../outside.png` is outside the project's assets/ folder" in p for p in problems)
    assert any("error[bad-value]: `paperbak` is not a print edition of the book" in p for p in problems)


def _paperback_pages(root: Path, tmp_path: Path) -> int:
    (first,) = build(root, ["paperback"], tmp_path / "first")
    return first.pages


@pytest.mark.slow
def test_a_finished_wrap_of_the_computed_size_is_the_cover_and_one_of_another_width_is_refused(tmp_path):
    root = tiny_project(tmp_path / "book")
    _image(root / "assets" / "images" / "cover.jpg", (1600, 2560))
    pages = _paperback_pages(root, tmp_path)
    geometry = cover_geometry(load_project(root).layouts["paperback"], pages)
    _wrap_pdf(root / "assets" / "covers" / "paperback.pdf", geometry.width, geometry.height)
    _with_cover(root, {"image": "images/cover.jpg", "print": {"paperback": {"wrap": "covers/paperback.pdf"}}})

    (result,) = build(root, ["paperback"])

    assert result.pages == pages
    assert result.cover.read_bytes() == (root / "assets" / "covers" / "paperback.pdf").read_bytes()

    _wrap_pdf(root / "assets" / "covers" / "paperback.pdf", geometry.width - 0.25, geometry.height)
    with pytest.raises(BookforgeError) as caught:
        build(root, ["paperback"])
    (problem,) = caught.value.diagnostics
    assert problem.code == "cover-wrap" and problem.location.file == "manuscript/book.yaml"
    assert problem.message.startswith(f"`covers/paperback.pdf` is {geometry.width - 0.25:.3f} x "
                                      f"{geometry.height:.3f} in; edition `paperback` needs {geometry.width:.3f} x "
                                      f"{geometry.height:.3f} in for its {pages} pages")


def test_a_wrap_that_is_not_a_pdf_is_refused_at_load(tmp_path):
    root = _with_cover(tiny_project(tmp_path / "book"), {
        "image": "images/cover.jpg", "print": {"paperback": {"wrap": "covers/paperback.pdf"}}})
    _image(root / "assets" / "images" / "cover.jpg", (1600, 2560))
    (root / "assets" / "covers").mkdir()
    (root / "assets" / "covers" / "paperback.pdf").write_text("not a PDF")
    (problem,) = load_problems(root)
    assert "error[cover-wrap]: `covers/paperback.pdf` is not a PDF that can be read" in problem


def _with_front(tmp_path: Path, size: tuple[int, int]) -> Path:
    """The tiny book with the author's cover, and a front image of `size` pixels for the paperback's wrap."""
    root = tiny_project(tmp_path / "book")
    _image(root / "assets" / "images" / "cover.jpg", (1600, 2560))
    _image(root / "assets" / "images" / "front.jpg", size)
    return _with_cover(root, {"image": "images/cover.jpg", "print": {"paperback": {"front": "images/front.jpg"}}})


@pytest.mark.slow
def test_a_front_image_is_placed_on_the_generated_wraps_front_panel(tmp_path):
    root = _with_front(tmp_path, (1600, 2400))
    (result,) = build(root, ["paperback"])
    geometry = cover_geometry(load_project(root).layouts["paperback"], result.pages)
    (picture,) = page_images(result.cover, dpi=20, trim=False)
    scale = picture.width / geometry.width
    front = picture.getpixel((int((geometry.width - geometry.trim_width / 2) * scale), picture.height // 2))
    back = picture.getpixel((int((geometry.bleed + geometry.trim_width / 2) * scale), int(picture.height * 0.95)))
    assert all(abs(a - b) < 12 for a, b in zip(front, ART)), front
    assert not all(abs(a - b) < 12 for a, b in zip(back, ART)), back  # the back is the generated one
    # Out to the bleed: the top and outer edge of the wrap are the art too.
    edge = picture.getpixel((picture.width - 1, 0))
    assert all(abs(a - b) < 12 for a, b in zip(edge, ART)), edge


@pytest.mark.slow
def test_a_front_image_too_small_for_print_is_refused_with_the_size_it_needs(tmp_path):
    root = _with_front(tmp_path, (1000, 1500))
    with pytest.raises(BookforgeError) as caught:
        build(root, ["paperback"])
    (problem,) = caught.value.diagnostics
    width, height = round(6.125 * FRONT_DPI), round(9.25 * FRONT_DPI)
    assert problem.code == "cover-image" and problem.location.file == "manuscript/book.yaml"
    assert f"needs at least {width:,} x {height:,} px ({FRONT_DPI} dpi)" in problem.message
