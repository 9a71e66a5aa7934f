"""The prose vocabulary (README, "Prose"): what each block becomes, and every problem in a text located at load."""

from __future__ import annotations

import shutil

import pytest

from bookforge.errors import BookforgeError
from bookforge.manuscript.load import load_book
from bookforge.manuscript.markdown import parse_markdown
from bookforge.manuscript.model import ProseBlock
from bookforge.render import blocks
from bookforge.render.markup import inline, prose
from tests.books import REPO

CASES = REPO / "tests" / "cases"


@pytest.mark.parametrize("written", ["***", "* * *", "---", "- - -", "___"])
def test_a_scene_break_between_paragraphs_is_a_section_break(written):
    # Before: `* * *` was an empty nested bullet list, `***` printed literally.
    assert prose(f"She left.\n\n{written}\n\nHe stayed.", "en") == (
        '<p>She left.</p>\n<hr class="scene-break"/>\n<p>He stayed.</p>')


def test_footnotes_are_pop_up_notes_with_a_link_back():
    html = prose("It rained.[^1] Then it stopped.[^w]\n\n[^1]: In June.\n\n[^w]: For *once*.", "en")

    assert '<a class="noteref" id="note-noteref-1" href="#note-note-1" epub:type="noteref" role="doc-noteref">1</a>' \
        in html
    assert ('<aside id="note-note-2" class="footnote" epub:type="footnote" role="doc-footnote"><p><a '
            'class="note-number" href="#note-noteref-2" role="doc-backlink">2</a>\u00a0For <em>once</em>.</p></aside>'
            in html)
    assert "[^" not in html


def test_a_part_numbers_its_notes_through_all_its_texts_and_gathers_them():
    with blocks.scope(prefix="harbour") as scope:
        first = prose("One.[^a]\n\n[^a]: A.", "en")
        second = prose("Two.[^a] Three.[^b] Again.[^a]\n\n[^a]: B.\n\n[^b]: C.", "en")

    assert 'href="#harbour-note-1"' in first and "<aside" not in first
    assert 'id="harbour-noteref-2"' in second and 'id="harbour-noteref-3"' in second
    assert second.count('href="#harbour-note-2"') == 2  # the same note referred to twice
    assert [note.number for note in scope.notes] == [1, 2, 3]


def test_printed_footnotes_stand_where_they_are_referred_to():
    with blocks.scope(prefix="sea", paged=True) as scope:
        html = prose("The chain complained.[^c]\n\n[^c]: Sailors say so.\n\n    The families say *remembers*.", "en")

    assert html == ('<p>The chain complained.<span class="noteref-anchor" id="sea-noteref-1"></span><span '
                    'class="footnote" id="sea-note-1" data-note="1"><span class="note-p">Sailors say so.</span>\n'
                    '<span class="note-p">The families say <em>remembers</em>.</span></span></p>')
    assert scope.notes == []


def test_endnotes_are_gathered_for_the_chapter_end_in_print_too():
    with blocks.scope(prefix="sea", paged=True, mode="chapter-end") as scope:
        html = prose("Text.[^c]\n\n[^c]: A note.", "en")

    assert 'class="noteref"' in html and "footnote" not in html
    assert [note.html for note in scope.notes] == [
        '<p><a class="note-number" href="#sea-noteref-1" role="doc-backlink">1</a>\u00a0A note.</p>']


def test_a_quotation_and_an_epigraph_keep_their_source_apart():
    quoted = prose("> The sea is a good neighbour.\n>\n> -- Harbour Rules, 1887", "en")
    epigraph = prose("::: epigraph\nA harbour is a promise.\n\n— Breton proverb\n:::", "en")

    assert quoted == ('<blockquote>\n<p>The sea is a good neighbour.</p>\n<p class="attribution">— Harbour Rules, '
                      "1887</p>\n</blockquote>")
    assert epigraph == ('<blockquote class="epigraph" epub:type="epigraph" role="doc-epigraph">\n<p>A harbour is a '
                        'promise.</p>\n<p class="attribution">— Breton proverb</p>\n</blockquote>')


def test_verse_keeps_its_lines_stanzas_and_indentation():
    html = prose("::: verse\nWhen the wind is in the east,\n  'tis neither good for man nor beast.\n\n"
                 "A second stanza.\n:::", "en")

    # Before: one paragraph of `<br>` lines, the indentation lost.
    assert html == ('<div class="verse">\n<p>\n<span class="line">When the wind is in the east,</span><br />\n'
                    '<span class="line indent-1">’tis neither good for man nor beast.</span></p>\n<p>\n'
                    '<span class="line">A second stanza.</span></p>\n</div>')


def test_lists_definition_lists_and_a_table_with_its_caption():
    assert prose("- one\n- two", "en") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert prose("Mare's tails\n: Long wisps of cloud.", "en") == (
        "<dl>\n<dt>Mare’s tails</dt>\n<dd>Long wisps of cloud.</dd>\n</dl>")
    table = prose("| Day | Tide |\n|---|---|\n| 1 | 05:15 |\n\nTable: High water, June", "en")
    assert table.startswith("<table>\n<caption>High water, June</caption>\n<thead>")
    assert "Table:" not in table


def test_a_figure_in_prose_has_its_alt_text_and_caption():
    with blocks.scope(images={"images/map.png": "images/map.png"}):
        html = prose('Before.\n\n![A map of the coast](images/map.png "The *Salt Coast*")\n\nAfter.', "en")
        ornament = prose("![](images/fleuron.svg){.decorative}", "en")

    assert ('<figure class="figure">\n<img src="images/map.png" alt="A map of the coast"/>\n<figcaption>The <em>Salt '
            "Coast</em></figcaption>\n</figure>") in html
    assert ornament == ('<figure class="figure decorative">\n<img src="images/fleuron.svg" alt="" role="presentation"/>'
                        "\n</figure>")


def test_a_passage_in_another_language_and_small_capitals():
    assert inline("[la langue du large]{lang=fr} and [Mr. Crane]{.smallcaps}", "en") == (
        '<span lang="fr" xml:lang="fr">la langue du large</span> and <span class="smallcaps">Mr. Crane</span>')
    assert prose("::: {lang=fr}\nLe vent d'est.\n:::", "en") == (
        '<div class="passage" lang="fr" xml:lang="fr">\n<p>Le vent d’est.</p>\n</div>')


def test_raw_html_and_unknown_markup_stay_text():
    assert prose("<script>alert(1)</script> and `code`", "en") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; and `code`</p>")


def test_headings_in_prose_are_subheadings_that_skip_no_level():
    assert prose("## September\n\nText.\n\n### Night", "en") == (
        '<h2 class="subhead">September</h2>\n<p>Text.</p>\n<h3 class="subhead">Night</h3>')


def test_guillemets_keep_their_words():
    assert prose("« Oui », dit-elle.", "fr") == "<p>«\u202fOui\u202f», dit-elle.</p>"


# --- Markdown chapter files ---------------------------------------------------------------------------------------

def test_a_markdown_chapter_is_front_matter_and_its_text():
    doc = parse_markdown(b"---\ntitle: The East Wind\nshort_title: East Wind\n---\n\nThe wind went round.\n", "c.md")

    assert doc.data == {"title": "The East Wind", "short_title": "East Wind", "text": "The wind went round."}
    assert str(doc.where(("text",))) == "c.md:6:1"


def test_a_markdown_chapter_may_take_its_title_from_its_first_heading():
    doc = parse_markdown(b"# The East Wind\n\n## September\n\nThe wind went round.\n", "c.md")

    assert doc.data == {"title": "The East Wind", "text": "## September\n\nThe wind went round."}


@pytest.mark.parametrize(("written", "expected"), [
    (b"---\ntitle: x\n", "c.md:1:1: error[front-matter]: the front matter is never closed"),
    (b"---\ntitle: x\ntext: y\n---\nBody.\n", "c.md:3:1: error[unknown-key]: a Markdown chapter's text is its body, "
                                                 "after the front matter"),
    (b"---\ntitle: x: y\n---\nBody.\n", "c.md:2:9: error[yaml-syntax]: this text contains `: `, which YAML reads as "
                                          "the start of another key"),
])
def test_markdown_front_matter_problems_are_located_in_the_md_file(written, expected):
    with pytest.raises(BookforgeError) as caught:
        parse_markdown(written, "c.md")
    assert str(caught.value.diagnostics[0]).splitlines()[0] == expected


# --- prose between entries ----------------------------------------------------------------------------------------

def test_prose_and_entries_alternate_in_a_chapter(tmp_path):
    project = tmp_path / "book"
    shutil.copytree(CASES / "real-book", project)
    book = load_book(project)
    harbour = next(part.chapter for part in book.parts if part.file == "01-harbour.yaml")

    assert [type(entry).__name__ for entry in harbour.entries] == ["Scene", "ProseBlock", "Note"]
    assert isinstance(harbour.entries[1], ProseBlock)
    assert [figure.src for figure in harbour.figures()] == ["images/harbour.png", "images/fleuron.svg"]
    assert [str(figure.entry.location_of("src")) for figure in harbour.figures()] == [
        "manuscript/01-harbour.yaml:44:81", "manuscript/01-harbour.yaml:60:11"]
