"""Entries sorted and grouped by a field in the alphabetical order of the book's language.

Without PyICU (a large dependency), the order is the Unicode one of the letters with their accents taken off (`É`
sorts with `E`, `ß` as `ss`, `Æ` as `ae`), accents then case breaking ties, spaces and punctuation ignored (a
dictionary's letter-by-letter order); a few languages put some letters after others of their own (Spanish `ñ` after
`n`; Swedish and Finnish `å ä ö`, Danish and Norwegian `æ ø å` after `z`; German umlauts stay with their vowels).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from bookforge.manuscript.model import Chapter, Entry, ProseBlock

# Letters that sort as letters of their own: by the letter they come after (and their rank there), or after `z`.
_AFTER_Z = "z"
TAILORINGS: dict[str, dict[str, tuple[str, int]]] = {
    "es": {"ñ": ("n", 1)},
    "sv": {"å": (_AFTER_Z, 1), "ä": (_AFTER_Z, 2), "æ": (_AFTER_Z, 2), "ö": (_AFTER_Z, 3), "ø": (_AFTER_Z, 3)},
    "fi": {"å": (_AFTER_Z, 1), "ä": (_AFTER_Z, 2), "ö": (_AFTER_Z, 3)},
    "da": {"æ": (_AFTER_Z, 1), "ä": (_AFTER_Z, 1), "ø": (_AFTER_Z, 2), "ö": (_AFTER_Z, 2), "å": (_AFTER_Z, 3)},
}
TAILORINGS["nb"] = TAILORINGS["nn"] = TAILORINGS["no"] = TAILORINGS["da"]
# Letters that do not decompose into a base letter and marks.
_EXPANSIONS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
               "ŋ": "n", "ħ": "h"}
_MARKUP = re.compile(r"[*_`\\]")
OTHER = "#"
"""The group of entries that start with a digit or a sign."""


@functools.lru_cache(maxsize=32)
def _table(language: str) -> dict[str, tuple[str, str, str, str]]:
    """Each character's (primary, accent, case, initial) in `language`, filled in as characters are met."""
    return {}


def _character(char: str, tailoring: dict[str, tuple[str, int]]) -> tuple[str, str, str, str]:
    lower = char.lower()
    case = ("1" if char.isupper() else "0") if char.isalnum() else ""
    if lower in tailoring:
        after, rank = tailoring[lower]
        # Sorts after every word that has `after` in its place: a code point above any letter, then its rank.
        return f"{after}\U000f0000{chr(0xF0000 + rank)}", "", case, char.upper()
    decomposed = unicodedata.normalize("NFKD", lower)
    base = "".join(_EXPANSIONS.get(c, c) for c in decomposed if not unicodedata.combining(c))
    letters = "".join(c for c in base if c.isalnum())
    if not letters:
        return "", "", case, ""
    accents = "".join(c for c in decomposed if unicodedata.combining(c)) + "\x00"
    return letters, accents, case, letters[0].upper() if letters[0].isalpha() else OTHER


def _characters(text: str, language: str) -> list[tuple[str, str, str, str]]:
    primary = language.split("-")[0].lower()
    table, tailoring = _table(primary), TAILORINGS.get(primary, {})
    found = []
    for char in unicodedata.normalize("NFC", _MARKUP.sub("", text)):
        known = table.get(char)
        if known is None:
            known = table[char] = _character(char, tailoring)
        found.append(known)
    return found


def sort_key(text: str, language: str) -> tuple[str, str, str, str]:
    """A key that sorts `text` in the alphabetical order of `language` (a BCP 47 tag): letters without their
    accents first, then accents, then case (lower first), then the text as written."""
    characters = _characters(text, language)
    return ("".join(c[0] for c in characters), "".join(c[1] for c in characters),
            "".join(c[2] for c in characters), text)


def initial(text: str, language: str) -> str:
    """The letter `text` is filed under: `Éclair` under `E`, Spanish `ñandú` under `Ñ`, `1984` under `#`."""
    return next((c[3] for c in _characters(text, language) if c[3]), OTHER)


def group_label(entry: Entry, language: str) -> str | None:
    """The heading of the group `entry` belongs to, when its type groups its entries."""
    declaration = entry.declared.declaration
    if declaration.group_by is None:
        return None
    if declaration.group_by == "letter":
        return initial(str(getattr(entry, declaration.sort_by) or ""), language)
    value = getattr(entry, declaration.group_by)
    return None if value is None else str(value)


def _entry_key(entry: Entry, language: str) -> tuple:
    declaration = entry.declared.declaration
    group: Any = ()
    if declaration.group_by not in (None, "letter"):
        field = entry.declared.fields[declaration.group_by]
        value = getattr(entry, declaration.group_by)
        if field.kind == "choice":
            group = (field.values.index(value) if value in (field.values or ()) else len(field.values or ()),)
        else:
            group = sort_key(str(value or ""), language)
    value = getattr(entry, declaration.sort_by) if declaration.sort_by else None
    return group, sort_key(str(value or ""), language)


def arranged(chapter: Chapter, language: str) -> Chapter:
    """The chapter with the entries whose type sorts or groups them in order, in the places such entries take (any
    others, and the prose between entries, stay where they are)."""
    places = [i for i, entry in enumerate(chapter.entries) if not isinstance(entry, ProseBlock)
              and (entry.declared.declaration.sort_by or entry.declared.declaration.group_by)]
    if not places:
        return chapter
    ordered = sorted((chapter.entries[i] for i in places), key=lambda entry: _entry_key(entry, language))
    entries = list(chapter.entries)
    for place, entry in zip(places, ordered):
        entries[place] = entry
    return chapter.copied(entries=tuple(entries))
