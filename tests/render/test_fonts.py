"""The fallback chain of fonts (render/fonts.py) and the text's direction (layout/direction.py), on real books."""

from __future__ import annotations

import io
import time

import pytest
from fontTools.ttLib import TTFont

from bookforge.layout.direction import text_direction
from bookforge.project import load_project
from bookforge.render import fonts
from bookforge.render.rendition import render
from tests.books import TINY_CHAPTER, tiny_project
from tests.scripts_books import script_project


def _rendition(root, edition="ebook"):
    project = load_project(root)
    return render(project.book, edition, project.layouts[edition])


@pytest.mark.parametrize(("language", "family"), [("ja", "Noto Serif CJK JP"), ("ar", "Noto Naskh Arabic")])
def test_a_script_the_book_face_lacks_gets_its_noto_family_cut_to_the_book(tmp_path, language, family):
    rendition = _rendition(script_project(tmp_path / "book", language, paragraphs=1))
    chain = rendition.fallback
    assert fonts.FAMILY_PREFIX + family in chain.families
    assert chain.missing == {} and chain.warnings == ()
    (regular,) = [face.path for face in chain.faces if face.family.endswith(family) and face.style == "normal"
                  and face.weight == "normal"]
    cut = TTFont(io.BytesIO(rendition.fonts[regular]))
    assert len(cut.getGlyphOrder()) < 1500  # ~65,000 in the CJK collection
    assert {ord(char) for char in "名前" if language == "ja"} <= set(cut.getBestCmap())
    css = "".join(sheet for _, sheet in rendition.stylesheets)
    assert f'font-family: "{fonts.FAMILY_PREFIX}{family}"' in css and f'"../{regular}"' in css


def test_the_cjk_face_follows_the_language(tmp_path):
    for language, region in (("zh", "sc"), ("zh-Hant", "tc"), ("ko", "kr"), ("ja", "jp")):
        root = script_project(tmp_path / language, "ja", paragraphs=1)
        book_yaml = root / "manuscript" / "book.yaml"
        book_yaml.write_text(book_yaml.read_text(encoding="utf-8").replace("language: ja", f"language: {language}"),
                             encoding="utf-8")
        assert any(path.startswith(f"fonts/NotoSerifCJK{region}-") for path in _rendition(root).fallback.fonts)


def test_a_latin_book_needs_no_fallback_and_embeds_only_the_book_face(tmp_path):
    rendition = _rendition(tiny_project(tmp_path / "book"))
    assert rendition.fallback.families == ()
    assert sorted(rendition.fonts) == [f"fonts/LinLibertine_{s}.otf" for s in ("R", "RB", "RBI", "RI")]


def test_characters_no_font_has_are_one_warning_per_script_at_their_line(tmp_path):
    chapter = TINY_CHAPTER.replace("José gazes at the stars.", "José gazes at 🦄.").replace(
        "It sets up his journey.", "It sets up 🦊 and 🦄.")
    rendition = _rendition(tiny_project(tmp_path / "book", chapter))
    (warning,) = rendition.fallback.warnings
    assert (warning.code, warning.severity) == ("missing-glyphs", "warning")
    assert (warning.location.file, warning.location.line) == ("manuscript/01-chapter.yaml", 5)
    assert warning.message == ("no font has these symbols characters, which print as empty boxes: 🦄 (U+1F984) "
                               "🦊 (U+1F98A)")
    assert rendition.fallback.missing == {"symbols": "🦄🦊"}


def test_coverage_is_read_once_per_font(tmp_path):
    root = script_project(tmp_path / "book", "ja", paragraphs=1)
    _rendition(root)
    started = time.perf_counter()
    reads = fonts._coverage.cache_info().misses
    _rendition(root)
    assert fonts._coverage.cache_info().misses == reads
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(("tag", "direction"), [("ar", "rtl"), ("he", "rtl"), ("fa-IR", "rtl"), ("az-Arab", "rtl"),
                                                ("ku-Latn", "ltr"), ("en", "ltr"), ("ja", "ltr"), ("yi", "rtl")])
def test_the_direction_comes_from_the_language_tag(tag, direction):
    assert text_direction(tag) == direction


def test_a_right_to_left_book_and_its_passages_say_so(tmp_path):
    root = script_project(tmp_path / "book", "ar", paragraphs=1)
    chapter = root / "manuscript" / "01.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("الفيلسوف", "[the philosopher]{lang=en} "
                                                                   "[חכם]{lang=he}", 1), encoding="utf-8")
    rendition = _rendition(root)
    body = next(d for d in rendition.documents if d.role == "body").content
    assert 'xml:lang="ar" dir="rtl"' in body
    assert '<span lang="he" xml:lang="he" dir="rtl">' in body and '<span lang="en" xml:lang="en">' in body


def test_the_warning_names_the_line_in_a_yaml_block_and_in_a_markdown_chapter(tmp_path):
    root = tiny_project(tmp_path / "book", chapters=["01.md", "02.yaml"])
    (root / "manuscript" / "01.md").write_text("---\ntitle: One\n---\n\nFirst paragraph.\n\nThen a\n🦄 here.\n",
                                               encoding="utf-8")
    (root / "manuscript" / "02.yaml").write_text("title: Two\ntext: |\n  First.\n\n  Then 🦊 here.\n", encoding="utf-8")
    first = _rendition(root).fallback.warnings[0]
    assert (first.location.file, first.location.line) == ("manuscript/01.md", 8)
    (root / "manuscript" / "01.md").write_text("---\ntitle: One\n---\n\nNothing.\n", encoding="utf-8")
    (warning,) = _rendition(root).fallback.warnings
    assert (warning.location.file, warning.location.line) == ("manuscript/02.yaml", 5)
