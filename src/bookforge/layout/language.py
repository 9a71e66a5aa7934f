"""What a book's language decides besides its words (manuscript/labels.py): quotation marks (CLDR, quotes.yaml),
and lists of names, dates and numbers as CLDR writes them, through Babel."""

from __future__ import annotations

import datetime
import decimal
import functools
from collections.abc import Mapping, Sequence

import babel
from babel import dates, lists, numbers

from bookforge.manuscript.labels import labels_for  # noqa: F401 - the labels, by language, as render asks for them
from bookforge.manuscript.types import PACKAGE_LAYOUTS
from bookforge.manuscript.yamlfile import read_yaml

QUOTES_FILE = PACKAGE_LAYOUTS / "base" / "quotes.yaml"


@functools.lru_cache(maxsize=1)
def _quotes() -> Mapping[str, tuple[str, str, str, str]]:
    data = read_yaml(QUOTES_FILE, "(bookforge)/base/quotes.yaml").data
    return {str(tag).lower(): tuple(marks) for tag, marks in data.items()}


def _narrowing(language: str) -> list[str]:
    """`zh-Hant-TW`, `zh-Hant`, `zh`: the tag, then the tag with its last subtag left off, and so on."""
    subtags = language.lower().split("-")
    return ["-".join(subtags[:n]) for n in range(len(subtags), 0, -1)]


@functools.lru_cache(maxsize=64)
def quotes(language: str) -> tuple[str, str, str, str]:
    """(open, close, inner open, inner close) for a BCP 47 tag; English's for a language CLDR does not know."""
    return next((_quotes()[tag] for tag in _narrowing(language) if tag in _quotes()), _quotes()["en"])


@functools.lru_cache(maxsize=64)
def locale(language: str) -> babel.Locale:
    """Babel's locale for a BCP 47 tag, or the nearest it has (`en` at last)."""
    for tag in _narrowing(language):
        try:
            return babel.Locale.parse(tag, sep="-")
        except (ValueError, babel.UnknownLocaleError):
            continue
    return babel.Locale.parse("en")


def names(items: Sequence[str], language: str) -> str:
    """`A, B and C` as the language writes a list (CLDR's list patterns)."""
    return lists.format_list(list(items), locale=locale(language)) if items else ""


def date(value: str, language: str) -> str:
    """A metadata date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) in words: `25 novembre 2026`, `November 2026`, `2026`.
    The text depends on the date and the language only (not on the machine's locale or clock)."""
    parts = [int(part) for part in value.split("-")]
    if len(parts) == 3:
        return dates.format_date(datetime.date(*parts), format="long", locale=locale(language))
    if len(parts) == 2:
        return dates.format_skeleton("yMMMM", datetime.date(parts[0], parts[1], 1), locale=locale(language))
    return dates.format_skeleton("y", datetime.date(parts[0], 1, 1), locale=locale(language))


def number(value: str, language: str) -> str:
    """A number as written in the language: `2.5` is `2,5` in French; no grouping (a series number, a year)."""
    return numbers.format_decimal(decimal.Decimal(value), locale=locale(language), group_separator=False,
                                  decimal_quantization=False)
