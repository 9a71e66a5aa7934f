"""Validate plain YAML data against a model, turning pydantic's errors into located, author-friendly diagnostics."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, Tag, ValidationError

from bookforge.errors import Diagnostic, did_you_mean
from bookforge.manuscript.contents import FILE_REFS
from bookforge.manuscript.model import Model
from bookforge.manuscript.yamlfile import YamlDocument

M = TypeVar("M", bound=BaseModel)

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "`true` or `false`",
    "bool_parsing": "`true` or `false`",
    "tuple_type": "a list (lines starting with `- `)",
    "list_type": "a list (lines starting with `- `)",
    "dict_type": "a mapping (`key: value` lines)",
    "model_type": "a mapping (`key: value` lines)",
    "model_attributes_type": "a mapping (`key: value` lines)",
}


def validate(model: type[M], doc: YamlDocument, problems: list[Diagnostic]) -> M | None:
    """The validated object with locations attached, or None after adding every problem to `problems`."""
    try:
        obj = model.model_validate(doc.data)
    except ValidationError as exc:
        if doc.data == {}:
            required = [f"`{name}`" for name, field in model.model_fields.items() if field.is_required()]
            problems.append(Diagnostic("empty-file", "the file is empty", doc.where(()),
                                       "it needs " + ", ".join(required) if required else None))
        else:
            problems.extend(_without_cascades([_diagnostic(model, doc, error)
                                               for error in exc.errors(include_url=False)]))
        return None
    _attach_locations(obj, (), doc)
    return obj


def _without_cascades(found: list[tuple[Diagnostic, tuple, str]]) -> list[Diagnostic]:
    """One diagnostic per mistake: a misspelt key is also a missing one, so report only the misspelling."""
    missing = {(path[:-1], path[-1]) for _, path, kind in found if kind == "missing" and path}
    result, replaced = [], set()
    for diagnostic, path, kind in found:
        if kind == "extra_forbidden" and path:
            candidates = [name for parent, name in missing if parent == path[:-1] and isinstance(name, str)]
            close = difflib.get_close_matches(str(path[-1]), candidates, n=1, cutoff=0.6)
            if close:
                replaced.add((path[:-1], close[0]))
                diagnostic = dataclasses.replace(diagnostic, hint=f"did you mean `{close[0]}`?")
        result.append(diagnostic)
    return [d for d, (_, path, kind) in zip(result, found)
            if not (kind == "missing" and path and (path[:-1], path[-1]) in replaced)]


def _attach_locations(obj: object, path: tuple, doc: YamlDocument) -> None:
    if isinstance(obj, Model):
        obj._location = doc.where(path)
        locations = {}
        for name in type(obj).model_fields:
            if path + (name,) in doc.values:
                locations[name] = doc.values[path + (name,)]
                value = getattr(obj, name)
                if isinstance(value, tuple):  # each item of a list, as `name.0`, `name.1`...
                    locations.update((f"{name}.{i}", doc.values[path + (name, i)])
                                     for i in range(len(value)) if path + (name, i) in doc.values)
        obj._field_locations = locations
        for name in type(obj).model_fields:
            _attach_locations(getattr(obj, name), path + (name,), doc)
    elif isinstance(obj, tuple):
        for i, item in enumerate(obj):
            _attach_locations(item, path + (i,), doc)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _attach_locations(item, path + (key,), doc)


def _diagnostic(model: type[BaseModel], doc: YamlDocument, error: dict[str, Any]) -> tuple[Diagnostic, tuple, str]:
    """The author-facing diagnostic for one pydantic error, with the YAML path it is about and its kind."""
    data_path, owner = _data_path(model, error["loc"])
    kind = error["type"]
    return _describe_error(kind, error, data_path, owner, doc), data_path, kind


def _describe_error(kind: str, error: dict[str, Any], data_path: tuple, owner: type[BaseModel] | None,
                    doc: YamlDocument) -> Diagnostic:
    name = data_path[-1] if data_path else None
    what = f"`{name}`" if isinstance(name, str) else "this item" if name is not None else "the file"
    if kind == "extra_forbidden":
        allowed = [field.alias or name for name, field in owner.model_fields.items()] if owner else []
        return Diagnostic("unknown-key", f"unknown key `{name}`", doc.where(data_path, key=True),
                          did_you_mean(str(name), allowed))
    if kind == "missing":
        parent = data_path[:-1]
        return Diagnostic("missing-key", f"`{name}` is required here", doc.where(parent, key=True),
                          _describe(owner, name))
    if kind in ("literal_error", "union_tag_invalid"):
        expected = error.get("ctx", {}).get("expected_tags") or error.get("ctx", {}).get("expected", "")
        choices = [c.strip(" '") for c in str(expected).replace(" or ", ",").split(",") if c.strip(" '")]
        got = error.get("ctx", {}).get("tag", error.get("input"))
        if kind == "union_tag_invalid":
            message, where = f"unknown entry type `{got}`", data_path + ("type",)
        elif isinstance(name, int) and len(data_path) > 1:  # an item of a list, e.g. `contents`
            message, where = f"unknown item `{got}` in `{data_path[-2]}`", data_path
        else:
            message, where = f"unknown value `{got}` for {what}", data_path
        return Diagnostic("bad-value", message, doc.where(where), did_you_mean(str(got), choices))
    if kind == "content_item" and isinstance(error.get("input"), dict):  # `- forword: FILE`
        known = [*FILE_REFS, "part"]
        unknown = [key for key in error["input"] if key not in known and key not in ("toc", "label", "text",
                                                                                       "contents")]
        if unknown:
            return Diagnostic("bad-value", f"`{unknown[0]}` is not something `contents` can name",
                              doc.where(data_path + (unknown[0],), key=True), did_you_mean(str(unknown[0]), known))
    if kind == "union_tag_not_found":
        return Diagnostic("missing-key", "this entry has no `type`", doc.where(data_path),
                          "give each entry a `type:`, e.g. " + ", ".join(f"`{t}`" for t in _entry_types(owner)))
    if kind in _EXPECTED:
        return Diagnostic("wrong-type", f"{what} should be {_EXPECTED[kind]}, not {_kind_of(error.get('input'))}",
                          doc.where(data_path))
    if kind == "string_too_short":
        return Diagnostic("empty-value", f"{what} is empty", doc.where(data_path))
    if kind == "too_short":
        return Diagnostic("empty-value", f"{what} needs at least one item", doc.where(data_path))
    if kind == "string_pattern_mismatch":
        return Diagnostic("bad-value", f"`{error.get('input')}` is not a valid {what}", doc.where(data_path),
                          _describe(owner, name))
    message = error["msg"].removeprefix("Value error, ")
    return Diagnostic("invalid", f"{what}: {message}", doc.where(data_path))


def _entry_types(owner: type[BaseModel] | None) -> list[str]:
    """Three of the entry types a chapter model takes (its `entries` are a union of the declared types): the
    book's own first."""
    field = owner.model_fields.get("entries") if owner is not None else None
    item = typing.get_args(field.annotation)[0] if field is not None and typing.get_args(field.annotation) else None
    members = [member for member in _flattened(item)
               if isinstance(member, type) and issubclass(member, BaseModel) and "type" in member.model_fields]
    members.sort(key=lambda member: bool(getattr(getattr(member, "declared", None), "built_in", True)))
    return [typing.get_args(member.model_fields["type"].annotation)[0] for member in members][:3]


def _flattened(annotation: object) -> list[object]:
    """The members of a union, of the unions in it (a chapter's items: prose, or one of the entry types) and so on."""
    annotation = _unwrap(annotation)
    members = _union_members(annotation)
    return [found for member in members for found in _flattened(member)] if members else [annotation]


def _describe(owner: type[BaseModel] | None, name: object) -> str | None:
    field = _field(owner, name) if owner is not None and isinstance(name, str) else None
    if field is None:
        return None
    description = field.description
    return f"`{name}`: {description}" if description else None


def _kind_of(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return "text"


def _data_path(model: type[BaseModel], loc: tuple) -> tuple[tuple, type[BaseModel] | None]:
    """Map pydantic's error location onto a path in the YAML data, and find the model that owns the last key.

    Pydantic puts union tags into the location (`entries.0.scene.title`); they are not keys in the file.
    """
    path: list = []
    annotation: object = model
    owner: type[BaseModel] | None = None
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            owner = annotation
            path.append(part)
            field = _field(annotation, part) if isinstance(part, str) else None
            annotation = field.annotation if field else None
            continue
        options = _union_members(annotation)
        chosen = _member_for_tag(options, part) if options and isinstance(part, str) else None
        if chosen is not None:
            annotation = chosen
            continue
        path.append(part)
        # The item type: `tuple[X, ...]` -> X, `dict[K, V]` -> V.
        args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
        annotation = args[-1] if args else None
    return tuple(path), owner


def _field(model: type[BaseModel], name: str):
    """A model's field by its name in the file (its alias, as `about-the-author`, or its own name)."""
    return model.model_fields.get(name) or next((f for f in model.model_fields.values() if f.alias == name), None)


def _unwrap(annotation: object) -> object:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _union_members(annotation: object) -> list[object]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return list(typing.get_args(annotation))
    return []


def _member_for_tag(options: list[object], tag: str) -> object | None:
    for option in options:  # a member tagged by the union's discriminator (`Tag("prose")`)
        if any(isinstance(meta, Tag) and meta.tag == tag for meta in getattr(option, "__metadata__", ())):
            return _unwrap(option)
    for option in map(_unwrap, options):
        if isinstance(option, type) and issubclass(option, BaseModel):
            type_field = option.model_fields.get("type")
            if type_field is not None and tag in typing.get_args(type_field.annotation):
                return option
            if tag in option.model_fields or tag == option.__name__:
                return option
        elif typing.get_origin(option) is typing.Literal and tag in ("page",):
            return option
    return None
