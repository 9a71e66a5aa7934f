"""Entry types read: bookforge's base layout's types.yaml, the types.yaml of the layouts a book's editions use and
the book's manuscript/types.yaml, each checked, combined into one set."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bookforge.errors import BookforgeError, Diagnostic, Location, did_you_mean
from bookforge.manuscript.model import LAYOUT_NAME
from bookforge.manuscript.typecheck import check_references, check_type
from bookforge.manuscript.types import (
    BASE_TYPES,
    MAX_FIELDS,
    MAX_TYPES,
    RESERVED_TYPES,
    TYPE_NAME,
    TYPES_FILE,
    DeclaredType,
    EntryTypes,
    TypeDeclaration,
)
from bookforge.manuscript.validate import validate
from bookforge.manuscript.yamlfile import YamlDocument, read_yaml


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
        mistakes = check_references(kind, declared, broken)
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
    return kind, check_type(kind, sub)


def _subdocument(doc: YamlDocument, prefix: tuple) -> YamlDocument:
    """The part of `doc` under `prefix`, as a document of its own with the same locations."""
    n = len(prefix)
    data: Any = doc.data
    for key in prefix:
        data = data[key]
    values = {path[n:]: loc for path, loc in doc.values.items() if path[:n] == prefix}
    keys = {path[n:]: loc for path, loc in doc.keys.items() if path[:n] == prefix and len(path) > n}
    return YamlDocument(doc.file, data, values, keys, doc.source)


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
