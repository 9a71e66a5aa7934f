"""The book face's files, cut down to the book's characters, are kept between builds: an unchanged book's faces are
not cut again (nor HarfBuzz imported to do it)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from bookforge.epub import writer
from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render.rendition import render
from tests.books import tiny_project


@pytest.mark.slow
def test_a_book_face_cut_once_is_kept_and_not_cut_again(tmp_path: Path, monkeypatch, epubcheck):
    root = tiny_project(tmp_path / "book")
    rendition = render(load_book(root), "ebook", load_layout(root, "ebook"))
    cover = io.BytesIO()
    Image.new("RGB", (160, 256), "navy").save(cover, "JPEG")
    modified, store = datetime(2026, 1, 1, tzinfo=UTC), {}
    first = writer.write_epub(rendition, modified, cover.getvalue(), store=store)
    assert [key for key in store if key.startswith("face-")], "the cut faces are kept"

    def cut_again(*args, **kwargs):
        raise AssertionError("a kept face was cut again")

    monkeypatch.setattr(writer, "subset_font", cut_again)
    assert writer.write_epub(rendition, modified, cover.getvalue(), store=store) == first
    (tmp_path / "book.epub").write_bytes(first)
    assert epubcheck(tmp_path / "book.epub") == []
