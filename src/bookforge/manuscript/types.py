"""Entry types as data: declared in bookforge's base layout, in a layout's types.yaml and in the book's
manuscript/types.yaml; read, checked and combined into the one set of types a book's entries are validated by."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from bookforge.errors import BookforgeError, Diagnostic, Location, did_you_mean
from bookforge.manuscript.model import LAYOUT_NAME, Entry, ImageUse, Line, Model
from bookforge.manuscript.validate import validate
from bookforge.manuscript.yamlfile import YamlDocument, read_yaml

TYPES_FILE = "types.yaml"
PACKAGE_LAYOUTS = Path(__file__).parents[1] / "layouts"
BASE_TYPES = PACKAGE_LAYOUTS / "base" / TYPES_FILE

KINDS = ("line", "prose", "list", "number", "boolean", "choice", "image", "reference")
ITEM_KINDS = ("line", "prose", "reference")
TEXT_KINDS = ("line", "prose", "list", "choice", "reference")
"""Kinds whose values a reader reads (word counts, page estimates); an image's caption counts too."""
TYPE_NAME = re.compile(r"[a-z][a-z0-9-]*")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
GROUP_BY_LETTER = "letter"
MAX_TYPES = 100
MAX_FIELDS = 40
# A type's name becomes a CSS class and a template name (`entry-<type>.html`), so it may not be the name of a part
# of the book or of a class bookforge's own templates use.
RESERVED_TYPES = frozenset({
    "book", "part", "chapter", "frontmatter", "backmatter", "front", "body", "back", "main-matter", "introduction",
    "title-page", "copyright-page", "table-of-contents", "toc", "cover", "cover-page", "document", "ornament", "entry",
    "entries", "field", "declared-entry"})
# Names every entry's view already has (README, "Entry types"): a field may not take them.
RESERVED_FIELDS = frozenset({"type", "id", "template", "fields", "blocks", "labels", "level", "title_text",
                             "group_heading", "ornament", "paged"})


class FieldDeclaration(Model):
    """One field of an entry type: the kind of value it holds, whether entries must have it, how it is labelled.
    `name: line` is short for `name: {kind: line}`."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    """`line` (one line of text), `prose` (paragraphs), `list` (of `line`s, `prose` or `reference`s), `number`,
    `boolean`, `choice` (one of `values`), `image` (a file in assets/), `reference` (the title of another entry)."""
    required: bool = False
    """`true` when every entry of the type must give this field."""
    default: Any = None
    """The value an entry that leaves the field out gets (not for required fields)."""
    label: Any = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "object"}]})
    """What the book prints before the value: text, or text by language (`{en: Serves, es: Raciones}`); `""` prints
    none. The field's name with spaces when not given."""
    description: Line | None = None
    """What the field holds: the editor's hover text, and the hint when it is missing."""
    of: Literal[ITEM_KINDS] | None = None  # type: ignore[valid-type]
    """`list` fields: the kind of each item, `line` (the default), `prose` or `reference`."""
    numbered: bool | None = None
    """`list` fields: `true` numbers the items (steps), `false` bullets them (ingredients, the default)."""
    values: tuple[Line, ...] | None = None
    """`choice` fields: the values an entry may give."""
    to: Any = Field(default=None, json_schema_extra={"anyOf": [{"type": "string"}, {"type": "array"}]})
    """`reference` fields (and lists of them): the type, or types, of the entries referred to; any titled entry when
    not given."""
    alt: Line | None = None
    """`image` fields: the `line` field that holds the image's text alternative. Without it, the value is a mapping
    `{src, alt, caption, decorative}`."""
    decorative: Line | None = None
    """`image` fields with `alt`: the `boolean` field that marks the image as decoration (then it needs no `alt`)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`serves: number` is short for `serves: {kind: number}`."""
        return {"kind": data} if isinstance(data, str) else data

    @property
    def item_kind(self) -> str:
        """What each value is: the kind, or for a list the kind of its items."""
        return (self.of or "line") if self.kind == "list" else self.kind

    @property
    def references(self) -> tuple[str, ...]:
        return (self.to,) if isinstance(self.to, str) else tuple(self.to or ())


class TypeDeclaration(Model):
    """An entry type: its fields in the order a reader meets them, and how its entries are titled, ordered and
    listed."""

    description: Line | None = None
    """One line saying what an entry of this type is: the editor's hover text."""
    fields: dict[str, FieldDeclaration] = Field(min_length=1)
    """The fields by name, in the order they are printed."""
    title: Line | None = None
    """The `line` field that titles an entry: its heading, its line in the contents, what references name. The
    field called `title` when not given."""
    sort_by: Line | None = None
    """A `line` or `choice` field: a chapter's entries of this type are sorted by it, in the book's language's
    alphabetical order (`É` with `E`)."""
    group_by: Line | None = None
    """`letter` (with `sort_by`): the sorted entries are grouped under the letters they start with; or a `choice` or
    `line` field, whose values head the groups."""
    contents: bool = False
    """`true` lists each entry (each group, when grouped) in the contents under its chapter."""
    ornament: bool = True
    """`false` sets no ornament between entries of this type (a dictionary's, a glossary's)."""


@dataclass(frozen=True)
class DeclaredType:
    """A checked declaration, with its name and where it was declared."""

    name: str
    declaration: TypeDeclaration
    source: str
    """The file that declares it, as the author knows it."""
    built_in: bool = False
    """Declared by bookforge's base layout (scene, note, figure)."""

    @property
    def fields(self) -> Mapping[str, FieldDeclaration]:
        return self.declaration.fields

    @functools.cached_property
    def title_field(self) -> str | None:
        title = self.declaration.title or "title"
        field = self.fields.get(title)
        return title if field is not None and field.kind == "line" else None

    @functools.cached_property
    def companions(self) -> frozenset[str]:
        """Fields that serve an image field (its text alternative, its decorative flag): not printed on their own."""
        return frozenset(name for field in self.fields.values() if field.kind == "image"
                         for name in (field.alt, field.decorative) if name)

    def label(self, field: str, language: str) -> str:
        """The field's label in `language` (`es-MX`, then `es`, then English, then any), or its name with spaces."""
        label = self.fields[field].label
        if isinstance(label, str):
            return label
        if isinstance(label, dict) and label:
            primary = language.split("-")[0].lower()
            by_language = {str(key).lower(): value for key, value in label.items()}
            for key in (language.lower(), primary, "en"):
                if key in by_language:
                    return str(by_language[key])
            return str(next(iter(label.values())))
        return field.replace("_", " ").capitalize()

    def reading_text(self, entry: Entry) -> list[str]:
        texts: list[str] = []
        for name, field in self.fields.items():
            value = getattr(entry, name)
            if name in self.companions or value is None:
                continue
            if field.kind in TEXT_KINDS:
                texts.extend(value if isinstance(value, tuple) else [value])
            elif field.kind == "image" and not isinstance(value, str) and value.caption:
                texts.append(value.caption)
        return [text for text in texts if isinstance(text, str)]

    def image_uses(self, entry: Entry) -> list[ImageUse]:
        uses = []
        for name, field in self.fields.items():
            value = getattr(entry, name)
            if field.kind != "image" or value is None:
                continue
            if isinstance(value, str):
                alt = getattr(entry, field.alt) if field.alt else None
                decorative = bool(getattr(entry, field.decorative)) if field.decorative else False
                uses.append(ImageUse(value, alt, decorative, entry, name))
            else:
                uses.append(ImageUse(value.src, value.alt, value.decorative, entry, name))
        return uses


@dataclass(frozen=True)
class EntryTypes:
    """Every entry type a book's entries may have, by name: bookforge's first, then its layouts', then the book's."""

    types: Mapping[str, DeclaredType]
    fingerprint: str
    """A hash of the declarations: the made classes are kept by it, and the build cache depends on it."""

    def __iter__(self) -> Iterator[DeclaredType]:
        return iter(self.types.values())

    def __getitem__(self, name: str) -> DeclaredType:
        return self.types[name]

    def __contains__(self, name: object) -> bool:
        return name in self.types

    @property
    def names(self) -> list[str]:
        return list(self.types)

    @property
    def declared_by_book(self) -> bool:
        """Whether any type is declared by the book or its layouts rather than bookforge."""
        return any(not declared.built_in for declared in self)


def load_entry_types(root: Path | None, layouts: Iterable[str], problems: list[Diagnostic]) -> EntryTypes:
    """The entry types of the project at `root` whose editions use `layouts` (bookforge's own only, without a
    project); adds every mistake in a declaration to `problems` (a type with a mistake is left out)."""
    sources = [(BASE_TYPES, "(bookforge)/base/" + TYPES_FILE, True)]
    if root is not None:
        root = root.resolve()
        sources += [(path, path.relative_to(root).as_posix(), False) for path in _layout_files(root, layouts)]
        book_types = root / "manuscript" / TYPES_FILE
        if book_types.is_file() and book_types.resolve().is_relative_to(root):
            sources.append((book_types, f"manuscript/{TYPES_FILE}", False))
    declared: dict[str, DeclaredType] = {}
    first_seen: dict[str, Location] = {}
    broken: set[str] = set()
    found: list[Diagnostic] = []
    for path, shown, built_in in sources:
        try:
            doc = read_yaml(path, shown)
        except BookforgeError as exc:
            found.extend(exc.diagnostics)
            continue
        if not isinstance(doc.data, dict):
            found.append(Diagnostic("wrong-type", f"{TYPES_FILE} should be a mapping of type names to their "
                                    "declarations", doc.where(())))
            continue
        for name, data in doc.data.items():
            if len(first_seen) >= MAX_TYPES:
                found.append(Diagnostic("too-many-types", f"more than {MAX_TYPES} entry types are declared",
                                        doc.where((name,), key=True)))
                break
            kind, mistakes = _read_type(name, data, doc, built_in, declared, first_seen)
            found.extend(mistakes)
            if kind is not None and not mistakes:
                declared[kind.name] = kind
            elif mistakes and str(name) not in declared:
                broken.add(str(name))
    for kind in list(declared.values()):
        mistakes = _check_references(kind, declared, broken)
        if mistakes:
            found.extend(mistakes)
            del declared[kind.name]
    problems.extend(found)
    fingerprint = hashlib.sha256(json.dumps(
        [(kind.name, kind.source, kind.built_in, kind.declaration.model_dump(mode="json")) for kind in declared.values()],
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return EntryTypes(declared, fingerprint)


def _read_type(name: object, data: object, doc: YamlDocument, built_in: bool, declared: dict[str, DeclaredType],
               first_seen: dict[str, Location]) -> tuple[DeclaredType | None, list[Diagnostic]]:
    at_key = doc.where((name,), key=True)
    name = str(name)
    if not TYPE_NAME.fullmatch(name):
        return None, [Diagnostic("bad-type-name", f"`{name}` is not a type name", at_key,
                                 "name a type with lower-case letters, digits and `-`, starting with a letter")]
    if name in first_seen:
        earlier = declared.get(name)
        if earlier is not None and not earlier.built_in and isinstance(data, dict):
            again = validate(TypeDeclaration, _subdocument(doc, (name,)), [])
            if again is not None and again.model_dump() == earlier.declaration.model_dump():
                return None, []  # two layouts (an ebook's and a print one) that declare the same type alike
        built = earlier is not None and earlier.built_in
        return None, [Diagnostic("duplicate-type", f"the entry type `{name}` is declared twice (first at "
                                 f"{first_seen[name]})", at_key, "give it another name" + (
                                     " (bookforge declares `scene`, `note` and `figure`)" if built else ""))]
    first_seen[name] = at_key
    if name in RESERVED_TYPES:
        return None, [Diagnostic("reserved-name", f"`{name}` cannot name an entry type: bookforge uses it for a "
                                 "part of the book or a block of its templates", at_key, "give the type another name")]
    if not isinstance(data, dict) or not data:
        return None, [Diagnostic("missing-key", f"the entry type `{name}` declares no `fields`", doc.where((name,)),
                                 "give it `fields:`, each with a `kind`, e.g. `title: {kind: line, required: true}`")]
    sub = _subdocument(doc, (name,))
    fields = data.get("fields")
    if isinstance(fields, dict) and len(fields) > MAX_FIELDS:
        return None, [Diagnostic("too-many-fields", f"`{name}` has {len(fields)} fields; at most {MAX_FIELDS} are "
                                 "allowed", sub.where(("fields",), key=True))]
    problems: list[Diagnostic] = []
    declaration = validate(TypeDeclaration, sub, problems)
    if declaration is None:
        return None, problems
    kind = DeclaredType(name, declaration, doc.file, built_in)
    return kind, _check_type(kind, sub)


def _subdocument(doc: YamlDocument, prefix: tuple) -> YamlDocument:
    """The part of `doc` under `prefix`, as a document of its own with the same locations."""
    n = len(prefix)
    data: Any = doc.data
    for key in prefix:
        data = data[key]
    values = {path[n:]: loc for path, loc in doc.values.items() if path[:n] == prefix}
    keys = {path[n:]: loc for path, loc in doc.keys.items() if path[:n] == prefix and len(path) > n}
    return YamlDocument(doc.file, data, values, keys, doc.source)


_OPTIONS = {"of": ("list",), "numbered": ("list",), "values": ("choice",), "to": ("reference", "list"),
            "alt": ("image",), "decorative": ("image",)}


def _check_type(kind: DeclaredType, doc: YamlDocument) -> list[Diagnostic]:
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


def _check_references(kind: DeclaredType, declared: Mapping[str, DeclaredType], broken: set[str]) -> list:
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


def _layout_files(root: Path, layouts: Iterable[str]) -> list[Path]:
    """The types.yaml of each project layout the editions use, parents before children, each once."""
    found: list[Path] = []
    for name in dict.fromkeys(layouts):
        chain, current, seen = [], name, set()
        while isinstance(current, str) and LAYOUT_NAME.fullmatch(current) and current not in seen:
            seen.add(current)
            folder = (root / "layouts" / current).resolve()
            if not folder.is_relative_to(root) or not (folder / "layout.yaml").is_file():
                break  # one of bookforge's layouts (only its base declares types), or a mistake chain.py reports
            if (folder / TYPES_FILE).is_file() and (folder / TYPES_FILE).resolve().is_relative_to(root):
                chain.append(folder / TYPES_FILE)
            try:
                doc = read_yaml(folder / "layout.yaml", "layout.yaml")
            except BookforgeError:
                break
            parent = doc.data.get("extends") if isinstance(doc.data, dict) else None
            if parent == current:  # a project layout that extends bookforge's layout of the same name
                break
            current = parent
        found.extend(path for path in reversed(chain) if path not in found)
    return found


def edition_layouts(data: object) -> list[str]:
    """The layouts book.yaml's editions name, read from its raw data (which may have mistakes of its own)."""
    editions = data.get("editions") if isinstance(data, dict) else None
    if not isinstance(editions, dict):
        return []
    return [str(edition["layout"]) for edition in editions.values()
            if isinstance(edition, dict) and isinstance(edition.get("layout"), str)]


def check_edition_types(editions: Mapping[str, Any], types: EntryTypes, doc: YamlDocument,
                        problems: list[Diagnostic]) -> None:
    """An edition's `entry_types` must name declared types."""
    for name, edition in editions.items():
        for index, kind in enumerate(edition.entry_types or ()):
            if kind not in types:
                problems.append(Diagnostic("bad-value", f"unknown entry type `{kind}` in `entry_types`",
                                           doc.where(("editions", name, "entry_types", index)),
                                           did_you_mean(kind, types.names)))


def project_types(root: Path) -> EntryTypes:
    """The entry types of the project at `root` (bookforge's own where there is no book.yaml); raises with the
    mistakes in their declarations."""
    book = root / "manuscript" / "book.yaml"
    layouts = edition_layouts(read_yaml(book, "manuscript/book.yaml").data) if book.is_file() else []
    problems: list[Diagnostic] = []
    types = load_entry_types(root if book.is_file() else None, layouts, problems)
    if problems:
        raise BookforgeError(problems)
    return types
