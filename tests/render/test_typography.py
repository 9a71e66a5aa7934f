"""Typography by language (render/typography.py): CLDR's quotation marks, nested ones, a passage's own language,
French spaces; on text only, after Markdown."""

from __future__ import annotations

import pytest

from bookforge.render import typography
from bookforge.render.markup import inline, plain, prose

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "He said \"it's 'fine'\" and left.", "He said “it’s ‘fine’” and left."),
    ("en-GB", "\"Yes,\" she said.", "“Yes,” she said."),
    ("de", "Er sagt \"hallo\" und 'tschüss'.", "Er sagt „hallo“ und ‚tschüss‘."),
    ("de-CH", "\"Grüezi\"", "„Grüezi“"),
    ("es", "¿Qué dijo? ¡\"Hola\"!", "¿Qué dijo? ¡“Hola”!"),
    ("ru", "Он сказал: \"Привет, 'мир'\".", "Он сказал: «Привет, „мир“»."),
    ("pl", "Powiedział \"tak\".", "Powiedział „tak”."),
    ("ja", "彼は\"こんにちは、'友'\"と言った。", "彼は「こんにちは、『友』」と言った。"),
    ("zh-Hant", "他說\"你好\"。", "他說「你好」。"),
    ("fr-CH", "Il dit \"oui 'peut-être'\".", f"Il dit «{NNBSP}oui ‹peut-être›{NNBSP}»."),
    ("sw", "\"Jambo\"", "“Jambo”"),  # a language with no table of its own: CLDR's Swahili, which is English's
])
def test_quotation_marks_are_cldrs_for_the_language(language, text, expected):
    assert inline(text, language) == expected


def test_french_spaces_do_not_break():
    assert inline("Il dit : « Oui » ! Vraiment ? Oui; non.", "fr") == (
        f"Il dit{NBSP}: «{NNBSP}Oui{NNBSP}»{NNBSP}! Vraiment{NNBSP}? Oui{NNBSP}; non.")
    # Typed guillemets with no space, or one that could break, and across emphasis.
    assert inline("«Oui» et « *non* »!", "fr") == f"«{NNBSP}Oui{NNBSP}» et «{NNBSP}<em>non</em>{NNBSP}»{NNBSP}!"
    assert inline('"Oui ?"', "fr") == f"«{NNBSP}Oui{NNBSP}?{NNBSP}»"


def test_french_spaces_leave_times_addresses_and_double_stops_alone():
    assert inline("À 10:30, voir http://x.fr/?a=1 ?!", "fr") == f"À 10:30, voir http://x.fr/?a=1{NNBSP}?!"
    assert inline("Le [site](https://x.fr/?q=1) ?", "fr") == f'Le <a href="https://x.fr/?q=1">site</a>{NNBSP}?'


def test_a_german_quote_in_a_french_book_stays_german():
    # Typed marks, and a straight closing quote after a typed German opening one.
    assert inline("Il cite „Guten Tag“ et „Hallo\" ici.", "fr") == "Il cite „Guten Tag“ et „Hallo“ ici."
    assert inline('Il dit ["Guten Tag"]{lang=de}.', "fr") == (
        'Il dit <span lang="de" xml:lang="de">„Guten Tag“</span>.')


def test_a_passage_uses_its_own_languages_marks_and_spaces():
    text = "::: {lang=de}\nEr sagt \"hallo\": ja!\n:::\n\nIl dit \"oui\": non!"
    assert prose(text, "fr") == (
        '<div class="passage" lang="de" xml:lang="de">\n<p>Er sagt „hallo“: ja!</p>\n</div>\n'
        f"<p>Il dit «{NNBSP}oui{NNBSP}»{NBSP}: non{NNBSP}!</p>")
    assert prose("::: {lang=fr}\n\"Oui\"\n:::", "en") == (
        f'<div class="passage" lang="fr" xml:lang="fr">\n<p>«{NNBSP}Oui{NNBSP}»</p>\n</div>')


def test_a_closing_mark_closes_what_is_open_in_its_own_marks():
    # A French quotation inside an English paragraph keeps its guillemets when a straight quote closes it.
    assert inline('He read «Bonjour" aloud.', "en") == "He read «Bonjour» aloud."
    # Speech that goes on over paragraphs: each opens, the last closes (in German too).
    assert prose('"Ja.\n\n"Nein."', "de") == "<p>„Ja.</p>\n<p>„Nein.“</p>"


def test_a_book_may_choose_its_own_marks_for_its_language():
    with typography.book_quotes("de", ("»", "«", "›", "‹")):
        assert inline("Er sagt \"ja\" und 'nein'.", "de") == "Er sagt »ja« und ›nein‹."
        assert inline('Il dit ["oui"]{lang=fr}.', "de") == (
            f'Il dit <span lang="fr" xml:lang="fr">«{NNBSP}oui{NNBSP}»</span>.')
    assert inline('"ja"', "de") == "„ja“"


def test_french_fields_of_entries_get_their_spaces_too():
    from bookforge.render import entries

    assert entries.inline("Oui; non", "fr") == f"Oui{NNBSP}; non"
    assert entries.prose("Vraiment?", "fr") == f"<p>Vraiment{NNBSP}?</p>"
    assert entries.inline("Oui; non", "en") == "Oui; non"


@pytest.mark.parametrize("mark", typography.STAND_INS)
def test_private_use_characters_the_author_types_stay_and_are_never_quote_marks(mark):
    # The stand-ins smartquotes leaves are private-use characters, which an author may type for a font's own glyphs.
    text = f'Il écrit {mark} puis "ceci"{mark} et *{mark}«\u00a0là\u00a0»*.'
    expected = f"Il écrit {mark} puis «{NNBSP}ceci{NNBSP}»{mark} et <em>{mark}«{NNBSP}là{NNBSP}»</em>."
    assert prose(text, "fr") == f"<p>{expected}</p>"
    assert plain(f"{mark}Titre{mark}", "fr") == f"{mark}Titre{mark}"
