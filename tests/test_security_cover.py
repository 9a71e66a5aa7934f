"""The author's finished cover wrap is handed to the printer as it is: a PDF that carries anything active (scripts,
actions run on opening or on a click, launched programs, attached files, forms) is refused at load, wherever in the
file it hides."""

from __future__ import annotations

import pikepdf
import pytest

from bookforge.manuscript.load import load_book
from tests.books import load_problems, tiny_project
from tests.print.test_author_cover import _image, _with_cover


def _active(pdf: pikepdf.Pdf, how: str) -> None:
    script = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("/bin/sh"))
    page = pdf.pages[0].obj
    if how == "open-action":
        pdf.Root.OpenAction = script
    elif how == "page-action":
        page.AA = pikepdf.Dictionary(O=script)
    elif how == "launch-link":
        page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10], A=launch))]))
    elif how == "named-script":
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=[pikepdf.String("x"), script]))
    elif how == "attached-file":
        stream = pdf.make_stream(b"#!/bin/sh\n", Type=pikepdf.Name.EmbeddedFile)
        pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=[
            pikepdf.String("run.sh"), pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String("run.sh"),
                                                         EF=pikepdf.Dictionary(F=stream))]))
    elif how == "form":
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[], XFA=pikepdf.String("<xdp/>"))
    elif how == "hidden-deep":  # an action in a dictionary nested in the page's resources
        page.Resources = pikepdf.Dictionary(Properties=pikepdf.Dictionary(P=pikepdf.Dictionary(
            Extra=pikepdf.Array([pikepdf.Dictionary(Next=script)]))))


@pytest.mark.parametrize("how", ["open-action", "page-action", "launch-link", "named-script", "attached-file",
                                 "form", "hidden-deep"])
def test_a_wrap_carrying_active_content_is_refused_at_load(tmp_path, how):
    root = _with_cover(tiny_project(tmp_path / "book"), {
        "image": "images/cover.jpg", "print": {"paperback": {"wrap": "covers/paperback.pdf"}}})
    _image(root / "assets" / "images" / "cover.jpg", (1600, 2560))
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(13 * 72, 9.25 * 72))
    _active(pdf, how)
    wrap = root / "assets" / "covers" / "paperback.pdf"
    wrap.parent.mkdir(parents=True)
    pdf.save(wrap)
    (problem,) = load_problems(root)
    assert "error[cover-wrap]: `covers/paperback.pdf` carries" in problem, problem
    assert "a print cover is artwork only" in problem


def test_a_plain_wrap_is_not_refused(tmp_path):
    root = _with_cover(tiny_project(tmp_path / "book"), {
        "image": "images/cover.jpg", "print": {"paperback": {"wrap": "covers/paperback.pdf"}}})
    _image(root / "assets" / "images" / "cover.jpg", (1600, 2560))
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(13 * 72, 9.25 * 72))
    pdf.Root.Names = pikepdf.Dictionary(Dests=pikepdf.Dictionary(Names=[]))  # harmless catalogue entries pass
    (root / "assets" / "covers").mkdir()
    pdf.save(root / "assets" / "covers" / "paperback.pdf")
    assert load_book(root).cover.wraps["paperback"].src == "covers/paperback.pdf"
