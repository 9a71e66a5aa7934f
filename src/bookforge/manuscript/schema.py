"""JSON Schemas for the manuscript files, generated from the model that validates them and the book's entry types."""

from __future__ import annotations

import json
from pathlib import Path

from bookforge.manuscript.entries import entry_models
from bookforge.manuscript.model import BookFile
from bookforge.manuscript.typeload import load_entry_types
from bookforge.manuscript.types import KINDS, TYPE_NAME, EntryTypes, TypeDeclaration

SCHEMA_REF = "schema/"
"""Where manuscript files find their schemas, relative to manuscript/."""
BOOK_SCHEMA = "book.schema.json"
CHAPTER_SCHEMA = "chapter.schema.json"
TYPES_SCHEMA = "types.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schemas(types: EntryTypes | None = None) -> dict[str, str]:
    """File name -> JSON Schema text for book.yaml, chapter files (their entries of the types in `types`, bookforge's
    own when not given) and types.yaml."""
    if types is None:
        types = load_entry_types(None, (), [])
    book = BookFile.model_json_schema()
    entry_types = book["$defs"]["Edition"]["properties"]["entry_types"]
    for option in entry_types.get("anyOf", [entry_types]):
        if option.get("type") == "array":
            option["items"] = {"enum": types.names}
    result = {BOOK_SCHEMA: {**book, "title": "bookforge book.yaml"},
              CHAPTER_SCHEMA: {**entry_models(types).chapter.model_json_schema(), "title": "bookforge chapter file"},
              TYPES_SCHEMA: _types_schema()}
    return {name: json.dumps({"$schema": DRAFT, **schema}, indent=2, ensure_ascii=False) + "\n"
            for name, schema in result.items()}


def _types_schema() -> dict:
    """types.yaml: type names, each with its declaration; a field is a declaration or just its kind (`line`)."""
    declaration = TypeDeclaration.model_json_schema()
    defs = declaration.pop("$defs", {})
    declaration["properties"]["fields"]["additionalProperties"] = {
        "anyOf": [{"$ref": "#/$defs/FieldDeclaration"}, {"type": "string", "enum": list(KINDS)}]}
    return {"title": "bookforge types.yaml", "description": "Entry types, by name: each with its fields.",
            "type": "object", "propertyNames": {"pattern": f"^{TYPE_NAME.pattern}$"},
            "additionalProperties": {"$ref": "#/$defs/TypeDeclaration"},
            "$defs": {**defs, "TypeDeclaration": declaration}}


def write_schemas(folder: Path, types: EntryTypes | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas(types).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
