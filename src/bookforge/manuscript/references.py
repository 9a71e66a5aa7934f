"""References between entries: a `reference` field names another entry by its title (`see: Abandon`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from bookforge.errors import Diagnostic, did_you_mean
from bookforge.manuscript.model import Chapter, Entry

_MARKUP = re.compile(r"[*_`\\]")


def reference_key(title: str) -> str:
    """What a reference and a title are matched by: the text without Markdown, in any case."""
    return " ".join(unicodedata.normalize("NFC", _MARKUP.sub("", title)).casefold().split())


def titled(chapters: Iterable[Chapter]) -> dict[str, list[Entry]]:
    """Entries that have a title, by the key of their title."""
    found: dict[str, list[Entry]] = {}
    for chapter in chapters:
        for entry in chapter.typed_entries:
            field = entry.declared.title_field
            title = getattr(entry, field) if field else None
            if title:
                found.setdefault(reference_key(title), []).append(entry)
    return found


def references(entry: Entry) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(where in the entry, the title referred to, the types it may be) for each reference the entry makes."""
    for name, field in entry.declared.fields.items():
        if field.item_kind != "reference":
            continue
        value = getattr(entry, name)
        if isinstance(value, tuple):
            yield from ((f"{name}.{i}", item, field.references) for i, item in enumerate(value))
        elif value is not None:
            yield name, value, field.references


def check_references(chapters: list[Chapter], problems: list[Diagnostic]) -> None:
    """Every reference names exactly one entry of a type it may refer to."""
    index = titled(chapters)
    for chapter in chapters:
        for entry in chapter.typed_entries:
            for where, title, types in references(entry):
                targets = [e for e in index.get(reference_key(title), []) if not types or e.type in types]
                if len(targets) == 1:
                    continue
                at = entry.location_of(where)
                if targets:
                    places = " and ".join(str(t.location) for t in targets[:2])
                    problems.append(Diagnostic("ambiguous-reference", f"`{title}` is the title of {len(targets)} "
                                               f"entries ({places})", at, "give the entries different titles"))
                    continue
                what = " or ".join(f"`{t}`" for t in types)
                candidates = [getattr(e, e.declared.title_field) for entries in index.values() for e in entries
                              if not types or e.type in types]
                problems.append(Diagnostic("unknown-reference", f"no {what + ' ' if what else ''}entry is titled "
                                           f"`{title}`", at, suggestion(title, candidates)))


def suggestion(word: str, choices: list[str]) -> str | None:
    """did-you-mean, listing the choices only when they are few (a dictionary has thousands of titles)."""
    hint = did_you_mean(word, choices)
    return hint if hint is None or hint.startswith("did you mean") or len(set(choices)) <= 8 else None
