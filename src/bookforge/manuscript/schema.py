"""JSON Schemas for the manuscript files, generated from the model that validates them."""

from __future__ import annotations

import json
from pathlib import Path

from bookforge.manuscript.model import BookFile, Chapter

SCHEMA_REF = "schema/"
"""Where manuscript files find their schemas, relative to manuscript/."""
BOOK_SCHEMA = "book.schema.json"
CHAPTER_SCHEMA = "chapter.schema.json"


def schemas() -> dict[str, str]:
    """File name -> JSON Schema text for book.yaml and for chapter files."""
    result = {}
    for name, model, title in ((BOOK_SCHEMA, BookFile, "bookforge book.yaml"),
                               (CHAPTER_SCHEMA, Chapter, "bookforge chapter file")):
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  **model.model_json_schema(), "title": title}
        result[name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return result


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
