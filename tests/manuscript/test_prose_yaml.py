"""YAML's traps for prose: text YAML would read as a comment, an alias or a key is a located error; a block of
paragraphs is read as its author wrote it."""

from __future__ import annotations

import pytest

from bookforge.errors import BookforgeError
from bookforge.manuscript.yamlfile import parse_yaml
from bookforge.render.markup import prose
from tests.books import REPO

PACKAGE_LAYOUTS = REPO / "src" / "bookforge" / "layouts"


def problems(text: str) -> list[str]:
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(text.encode("utf-8"), "x.yaml")
    return [str(d).splitlines()[0] for d in caught.value.diagnostics]


@pytest.mark.parametrize(("text", "expected"), [
    ("introduction: She was ranked #1 in the county.\n",
     "x.yaml:1:30: error[yaml-comment]: the text stops before `#1 in the county.`: YAML reads the rest of the line as "
     "a comment"),
    ("introduction: # Heading\n",
     "x.yaml:1:15: error[yaml-comment]: this value is empty: YAML reads `# Heading` as a comment, not as text"),
    ("text: She was ranked\n  #1 in the county.\nnext: x\n",
     "x.yaml:2:3: error[yaml-comment]: this line starts with `#`, so YAML reads it as a comment: the text above stops "
     "at `She was ranked`"),
    ("text: She was ranked\n  #1 in the county.\n  and more.\n",
     "x.yaml:2:3: error[yaml-comment]: this line starts with `#`, so YAML reads it as a comment and the text above "
     "stops before it"),
    ("introduction: *If you are reading this*, go on.\n",
     "x.yaml:1:15: error[yaml-alias]: text cannot start with `*`: YAML reads `*If` as an alias (a reference to another "
     "value)"),
    ("- title: *Dune*\n",
     "x.yaml:1:10: error[yaml-alias]: text cannot start with `*`: YAML reads `*Dune*` as an alias (a reference to "
     "another value)"),
    ("title: &amp then\n",
     "x.yaml:1:8: error[yaml-alias]: text cannot start with `&`: YAML reads `&amp` as an anchor and leaves it out"),
    ("title: Chapter 1: The Start\n",
     "x.yaml:1:17: error[yaml-syntax]: this text contains `: `, which YAML reads as the start of another key"),
])
def test_text_yaml_would_lose_is_a_located_error(text, expected):
    assert problems(text) == [expected]


def test_the_hints_show_the_fix():
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(b"title: Chapter 1: The Start\n", "x.yaml")
    assert caught.value.diagnostics[0].hint == 'put the text in quotes: `title: "Chapter 1: The Start"`'
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(b"entries:\n  - type: scene\n    text: ranked #1\n", "x.yaml")
    assert caught.value.diagnostics[0].hint.startswith("put the whole value in quotes, or make it a block: "
                                                       "`text: >-` with the text on the next lines, indented")


@pytest.mark.parametrize("text", [
    "role: editor            # author, editor, translator\n",
    "trim: 6x9     # a preset\n               # or a custom size\n",
    "list:\n  - a\n  # a comment line between items\n  - b\n",
    "creators:\n    - name: Jane\n      # role: editor\n",
    "title: 'Quoted #1 is text'\ntext: \"*Quoted* too: fine\"\n",
    "text: >-\n  #1 in a block is text, and *so* is this: all of it.\n",
    "title: Smith & Sons, R&D\n",
])
def test_comments_and_quoted_text_are_not_traps(text):
    assert parse_yaml(text.encode("utf-8"), "x.yaml").data


@pytest.mark.parametrize("layout", sorted(PACKAGE_LAYOUTS.glob("*/layout.yaml")), ids=lambda p: p.parent.name)
def test_bookforge_own_layout_files_have_no_trap(layout):
    parse_yaml(layout.read_bytes(), "layout.yaml")


def test_a_folded_block_keeps_its_paragraphs():
    doc = parse_yaml("text: >-\n  First paragraph,\n  wrapped.\n\n  Second paragraph.\nnext: x\n".encode(), "x.yaml")

    assert doc.data["text"] == "First paragraph,\nwrapped.\n\nSecond paragraph."
    assert prose(doc.data["text"], "en") == "<p>First paragraph,\nwrapped.</p>\n<p>Second paragraph.</p>"


def test_a_folded_single_paragraph_is_read_as_yaml_reads_it():
    doc = parse_yaml(b"text: >-\n  One paragraph,\n  wrapped over lines.\n", "x.yaml")

    assert doc.data["text"] == "One paragraph, wrapped over lines."


def test_plain_text_over_several_lines_keeps_its_paragraphs():
    doc = parse_yaml(b"text: First paragraph\n  goes on.\n\n  Second paragraph.\n", "x.yaml")

    assert prose(doc.data["text"], "en") == "<p>First paragraph\ngoes on.</p>\n<p>Second paragraph.</p>"


def test_verse_in_a_folded_block_keeps_its_lines():
    doc = parse_yaml(b"text: >-\n  ::: verse\n  The first line,\n    an indented one.\n  :::\n", "x.yaml")

    assert doc.data["text"] == "::: verse\nThe first line,\n  an indented one.\n:::"
