"""Characters XML cannot hold, in any manuscript file: located errors, never a broken EPUB."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.manuscript.yamlfile import BAD_CHARACTER, bad_character, parse_yaml
from tests.books import TINY_CHAPTER, load_problems, tiny_project

# Before: escaped controls and U+FFFE loaded; ebooklib turned \x0b and \x00 in text into U+FFFD, and a title with
# one made write_epub raise ValueError (a bookforge "bug", exit 70). Raw control characters were reported without
# a line. After: each is an error at the character's own line and column.

@pytest.mark.parametrize("written, column, name", [
    ('"A \\x00 B"', 13, "U+0000 (null)"),
    ('"A \\v B"', 13, "U+000B (vertical tab)"),
    ('"A \\e B"', 13, "U+001B (escape)"),
    ('"A \\u001b B"', 13, "U+001B (escape)"),
    ('"A \\uFFFE B"', 13, "U+FFFE (a noncharacter)"),
    ('"A \\uFFFF B"', 13, "U+FFFF (a noncharacter)"),
    ("A \x00 B", 12, "U+0000 (null)"),
    ("A \x0b B", 12, "U+000B (vertical tab)"),
    ("A \ufffe B", 12, "U+FFFE (a noncharacter)"),
])
def test_a_character_xml_cannot_hold_is_reported_where_it_is(tmp_path: Path, written: str, column: int, name: str):
    root = tiny_project(tmp_path, TINY_CHAPTER.replace("  title: The Dream Begins", f"  title: {written}"))

    (found,) = load_problems(root)

    kind = "the character" if "noncharacter" in name else "the invisible control character"
    assert found == f"manuscript/01-chapter.yaml:4:{column}: error[bad-character]: {kind} {name} cannot be used " \
                    "in a book"


def test_a_control_character_in_a_multi_line_text_is_found_on_its_line(tmp_path: Path):
    chapter = TINY_CHAPTER.replace("  text: José gazes at the stars.", '  text: "José gazes\n\n    at the \\e stars."')
    root = tiny_project(tmp_path, chapter)

    assert load_problems(root) == ["manuscript/01-chapter.yaml:7:12: error[bad-character]: the invisible control "
                              "character U+001B (escape) cannot be used in a book"]


def test_a_lone_surrogate_escape_is_explained():
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(b'title: "A \\ud800 B"\n', "x.yaml")

    assert str(caught.value).startswith("x.yaml:1:")
    assert "half of a surrogate pair" in str(caught.value)


def test_a_bad_title_no_longer_breaks_write_epub_or_leaves_a_partial_file(tmp_path: Path, cli):
    root = tiny_project(tmp_path, title='"A \\x0b Book"')

    result = cli("build", "-C", root, "-j", "1", "ebook")

    assert result.exit_code == 1
    assert "manuscript/book.yaml:2:13: error[bad-character]" in result.stderr
    assert not (root / "build").exists() or not list((root / "build").rglob("*.epub*"))



def test_the_quick_scan_finds_exactly_the_characters_a_book_cannot_carry():
    """bad_character (a quick class of ranges, then BAD_CHARACTER) answers as BAD_CHARACTER does, at every edge."""
    edges = [*range(0x100), *range(0xD7F0, 0xE010), *range(0xFDC0, 0xFE00), *range(0xFFF0, 0x10010)]
    edges += [plane * 0x10000 + low for plane in range(1, 17) for low in (0, 1, 0xFFFD, 0xFFFE, 0xFFFF)]
    for code in edges:
        text = f"ab{chr(code)}cd"
        found = BAD_CHARACTER.search(text)
        assert bad_character(text) == (found.group() if found else None), hex(code)
