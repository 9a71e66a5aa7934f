"""The words bookforge puts into a book (layouts/base/labels.yaml), and a book's own `labels:` checked against them."""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping
from pathlib import Path

from bookforge.errors import Diagnostic, did_you_mean
from bookforge.manuscript.yamlfile import YamlDocument, read_yaml

LABELS_FILE = Path(__file__).parents[1] / "layouts" / "base" / "labels.yaml"
FALLBACK = "en"
"""The language every label exists in; the others fall back to it."""
ALIASES = {"no": "nb"}
"""Tags whose labels are another tag's (`no`, Norwegian, is written as Bokmål)."""


@functools.lru_cache(maxsize=1)
def table() -> Mapping[str, Mapping[str, str]]:
    """{language: {label: text}} as labels.yaml has it."""
    data = read_yaml(LABELS_FILE, "(bookforge)/base/labels.yaml").data
    return {str(language): {str(key): str(value) for key, value in labels.items()}
            for language, labels in data.items()}


def languages() -> tuple[str, ...]:
    return tuple(table())


def labels_for(language: str, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every label for a BCP 47 tag: `es-MX` takes `es`, anything missing is English's; then the book's own."""
    primary = language.split("-")[0].lower()
    own = table().get(ALIASES.get(primary, primary), {})
    return {**table()[FALLBACK], **own, **(overrides or {})}


def placeholders(text: str) -> set[str]:
    """The `{name}`s a label uses; ValueError (saying what) for a lone brace or a field that is more than a name."""
    found = set()
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        raise ValueError("a lone `{` or `}`") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"`{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}`")
        found.add(name)
    return found


def check_labels(labels: Mapping[str, str], fields: Iterable[str], doc: YamlDocument,
                 problems: list[Diagnostic]) -> None:
    """book.yaml's `labels:`: each names a label of the table or a field of a declared type (`TYPE.FIELD`), and uses
    only the `{...}` its English label has."""
    english = table()[FALLBACK]
    known = {*english, *fields}
    for key, text in labels.items():
        where = doc.where(("labels", key))
        if key not in known:
            problems.append(Diagnostic("unknown-key", f"unknown label `{key}`", doc.where(("labels", key), key=True),
                                       did_you_mean(key, known)))
            continue
        allowed = placeholders(english[key]) if key in english else set()
        try:
            extra = [f"`{{{name}}}`" for name in sorted(placeholders(text) - allowed)]
        except ValueError as exc:
            extra = [str(exc)]
        if extra:
            offered = ", ".join(f"`{{{name}}}`" for name in sorted(allowed)) or "none"
            problems.append(Diagnostic(
                "bad-value", f"label `{key}` has {extra[0]}, which bookforge does not fill in", where,
                f"it may use {offered}"))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def fill(label: str, **values: str) -> str:
    """A label with its `{...}` filled in; one not given is left empty (the contents' line `Also by`)."""
    return " ".join(label.format_map(_Blank(values)).split())
