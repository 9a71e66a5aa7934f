"""Typography on the way out: Markdown structure first, then dashes and quotes on text only."""

from __future__ import annotations

import pytest

from bookforge.epub.kobo import _sentences
from bookforge.render.markup import prose


@pytest.mark.parametrize(("text", "expected"), [
    # Speech over several paragraphs: each paragraph opens the quote, only the last closes it.
    ('"He said no.\n\n"And then he left."', "<p>“He said no.</p>\n<p>“And then he left.”</p>"),
    ("'He said no.\n\n'And then he left.'", "<p>‘He said no.</p>\n<p>‘And then he left.’</p>"),
    # Elisions at a word start are apostrophes, never opening quotes.
    ("'Tis the season, 'em too, the old 'un, 'twas.", "<p>’Tis the season, ’em too, the old ’un, ’twas.</p>"),
    ("He said 'hello' and \"bye\".", "<p>He said ‘hello’ and “bye”.</p>"),
    # A hair space between two marks keeps them apart without making the second an opening one.
    ("\"He wrote, 'Done.'\u200a\"", "<p>“He wrote, ‘Done.’\u200a”</p>"),
    ("\"\u200a'Pon my word,\" he said.", "<p>“\u200a’Pon my word,” he said.</p>"),
    # After a line break or a dash joined by a word joiner, a mark opens.
    ("Line one,\\\n\"Line two.\"", "<p>Line one,<br />\n“Line two.”</p>"),
    ("—\u2060\"The Title,\" 1697", "<p>—\u2060“The Title,” 1697</p>"),
    # A spaced hyphen is an en dash in text, but Markdown's list markers stay markers.
    ("A - B and C -- D", "<p>A – B and C – D</p>"),
    ("> - 4th. Arrived late.\n> - 5th. Left.",
     "<blockquote>\n<ul>\n<li>4th. Arrived late.</li>\n<li>5th. Left.</li>\n</ul>\n</blockquote>"),
    # A paragraph that begins with a number is a paragraph; two numbered items make a list.
    ("10. That was the year.", "<p>10. That was the year.</p>"),
    ("Before.\n\n1999. A year.\n\nAfter.", "<p>Before.</p>\n<p>1999. A year.</p>\n<p>After.</p>"),
    ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
])
def test_prose_typography(text, expected):
    assert prose(text, "en") == expected


def test_french_speech_over_paragraphs_opens_with_guillemets():
    assert prose('"Oui.\n\n"Non."', "fr") == "<p>«\u202fOui.</p>\n<p>«\u202fNon.\u202f»</p>"


def test_kobo_sentences_do_not_end_at_titles_initials_or_no_break_spaces():
    text = "Mr.\u00a0Lane came. Then Dr. Who left! J. R. Tolkien wrote. \"Done.\" Next one."
    assert _sentences(text) == ["Mr.\u00a0Lane came. ", "Then Dr. Who left! ", "J. R. Tolkien wrote. ", '"Done." ',
                                "Next one."]
