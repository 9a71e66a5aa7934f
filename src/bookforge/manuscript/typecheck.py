"""What the model alone cannot see in an entry type's declaration: names, options that belong to another kind,
defaults, the fields a type's options name, the types references name."""

from __future__ import annotations

from collections.abc import Mapping

from bookforge.errors import Diagnostic, did_you_mean
from bookforge.manuscript.types import (
    FIELD_NAME,
    GROUP_BY_LETTER,
    RESERVED_FIELDS,
    DeclaredType,
    FieldDeclaration,
)
from bookforge.manuscript.yamlfile import YamlDocument

_OPTIONS = {"of": ("list",), "numbered": ("list",), "values": ("choice",), "to": ("reference", "list"),
            "alt": ("image",), "decorative": ("image",)}


def check_type(kind: DeclaredType, doc: YamlDocument) -> list[Diagnostic]:
    """What the model alone cannot see in a declaration: names, options that belong to another kind, defaults."""
    problems = []
    fields = kind.fields
    for name, field in fields.items():
        path = ("fields", name)
        if not FIELD_NAME.fullmatch(name):
            problems.append(Diagnostic("bad-field-name", f"`{name}` is not a field name", doc.where(path, key=True),
                                       "name a field with lower-case letters, digits and `_`, starting with a letter"))
            continue
        if name in RESERVED_FIELDS:
            problems.append(Diagnostic("reserved-name", f"`{name}` cannot name a field: every entry has a `{name}` of "
                                       "its own", doc.where(path, key=True), "give the field another name"))
            continue
        problems.extend(_check_field(name, field, fields, doc, path))
    for option, kinds in (("title", ("line",)), ("sort_by", ("line", "choice"))):
        named = getattr(kind.declaration, option)
        if named is not None and (named not in fields or fields[named].kind not in kinds):
            problems.append(_names_no_field(option, named, kinds, fields, doc))
    group = kind.declaration.group_by
    if group == GROUP_BY_LETTER and kind.declaration.sort_by is None:
        problems.append(Diagnostic("bad-declaration", "`group_by: letter` groups entries by the letter their "
                                   "`sort_by` field starts with, and the type has no `sort_by`",
                                   doc.where(("group_by",)), "add `sort_by:` naming the field to sort by"))
    elif group not in (None, GROUP_BY_LETTER) and (group not in fields or fields[group].kind not in ("line", "choice")):
        problems.append(_names_no_field("group_by", group, ("line", "choice"), fields, doc, also="`letter`"))
    return problems


def _names_no_field(option: str, named: str, kinds: tuple[str, ...], fields: Mapping[str, FieldDeclaration],
                    doc: YamlDocument, also: str = "") -> Diagnostic:
    fitting = [name for name, field in fields.items() if field.kind in kinds]
    what = " or ".join(f"`{kind}`" for kind in kinds)
    if named in fields:
        message = f"`{option}` names `{named}`, a `{fields[named].kind}` field; it needs a {what} field"
    else:
        message = f"`{option}` names `{named}`, which is not a field of this type"
    hint = _close(named, fitting) or (f"name one of its {what} fields: " + ", ".join(f"`{n}`" for n in fitting)
                                      if fitting else f"declare a {what} field")
    if also:
        hint = f"{hint} (or {also})" if hint else also
    return Diagnostic("bad-declaration", message, doc.where((option,)), hint)


def _check_field(name: str, field: FieldDeclaration, fields: Mapping[str, FieldDeclaration], doc: YamlDocument,
                 path: tuple) -> list[Diagnostic]:
    given = field.model_fields_set
    for option, kinds in _OPTIONS.items():
        if option in given and field.kind not in kinds:
            owner = " or ".join(f"`{k}`" for k in kinds)
            return [Diagnostic("bad-declaration", f"`{option}` is for {owner} fields, and `{name}` is a `{field.kind}` "
                               "field", doc.where(path + (option,), key=True), f"remove `{option}`")]
    if field.kind == "list" and "to" in given and field.item_kind != "reference":
        return [Diagnostic("bad-declaration", f"`to` is for lists of references, and `{name}` is a list of "
                           f"`{field.item_kind}`", doc.where(path + ("to",), key=True), "add `of: reference`")]
    if field.kind == "choice" and not field.values:
        return [Diagnostic("missing-key", f"the choice field `{name}` has no `values`", doc.where(path, key=True),
                           "list the values an entry may give, e.g. `values: [noun, verb, adjective]`")]
    if field.kind == "choice" and len(set(field.values or ())) != len(field.values or ()):
        return [Diagnostic("bad-declaration", f"the choice field `{name}` lists a value twice",
                           doc.where(path + ("values",)))]
    label = field.label
    if label is not None and not isinstance(label, str) and not (
            isinstance(label, dict) and label and all(isinstance(v, str) for v in label.values())):
        return [Diagnostic("wrong-type", f"the `label` of `{name}` should be text, or text by language such as "
                           "`{en: Serves, es: Raciones}`", doc.where(path + ("label",)))]
    to = field.to
    if to is not None and not (isinstance(to, str) or (isinstance(to, list) and to
                                                       and all(isinstance(t, str) for t in to))):
        return [Diagnostic("wrong-type", f"the `to` of `{name}` should be a type name or a list of them",
                           doc.where(path + ("to",)))]
    for option, wanted in (("alt", "line"), ("decorative", "boolean")):
        companion = getattr(field, option)
        if companion is not None and (companion not in fields or fields[companion].kind != wanted):
            fitting = [n for n, f in fields.items() if f.kind == wanted]
            what = f"a `{fields[companion].kind}` field" if companion in fields else "not a field of this type"
            return [Diagnostic("bad-declaration", f"`{option}` names `{companion}`, {what}; it needs a `{wanted}` "
                               "field", doc.where(path + (option,)),
                               _close(companion, fitting) or f"declare a `{wanted}` field for it and name that")]
    if "default" in given and field.default is not None:
        if field.required:
            return [Diagnostic("bad-default", f"`{name}` is required, so a default would never be used",
                               doc.where(path + ("default",), key=True),
                               "remove `default`, or `required: true` to let entries leave the field out")]
        problem = _default_problem(field)
        if problem:
            return [Diagnostic("bad-default", f"the default of `{name}` {problem}", doc.where(path + ("default",)))]
    return []


def _close(word: str, choices: list[str]) -> str | None:
    """did-you-mean when a choice is close; never a list of choices that would only mislead."""
    hint = did_you_mean(word, choices)
    return hint if hint and hint.startswith("did you mean") else None


def _default_problem(field: FieldDeclaration) -> str | None:
    """What is wrong with a default for a field of this kind, or None."""
    value = field.default
    text = isinstance(value, str) and value.strip() != ""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if field.kind in ("image", "reference"):
        return f"cannot be given: an `{field.kind}` field names something of its own entry"
    if field.kind in ("line", "prose") and not (text or number):
        return f"should be text, like the field, not {_shown(value)}"
    if field.kind == "number" and not number:
        return f"should be a number, like the field, not {_shown(value)}"
    if field.kind == "boolean" and not isinstance(value, bool):
        return f"should be `true` or `false`, like the field, not {_shown(value)}"
    if field.kind == "choice" and str(value) not in (field.values or ()):
        return f"should be one of the field's `values`, not `{value}`"
    if field.kind == "list" and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
        return f"should be a list of text, like the field, not {_shown(value)}"
    return None


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text" if isinstance(value, str) and value.strip() else "nothing"


def check_references(kind: DeclaredType, declared: Mapping[str, DeclaredType], broken: set[str]) -> list:
    """A reference field's `to` must name declared types that have a title (a type with a mistake of its own has
    been reported already)."""
    problems = []
    for name, field in kind.fields.items():
        for target in field.references:
            if target in broken or (target in declared and declared[target].title_field is not None):
                continue
            titled = [n for n, k in declared.items() if k.title_field]
            message = (f"`{name}` refers to `{target}` entries, but `{target}` entries have no title"
                       if target in declared else f"`{name}` refers to `{target}`, which is not an entry type")
            problems.append(Diagnostic("bad-declaration", message, field.location_of("to"),
                                       did_you_mean(target, titled)))
    return problems
