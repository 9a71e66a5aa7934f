"""`bookforge new` and `bookforge new-layout`: starting points that build at once."""

from __future__ import annotations

import uuid
from pathlib import Path

import jinja2
import yaml
from jinja2 import nodes

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.layout.chain import available_layouts, load_layout
from bookforge.manuscript.schema import (
    BOOK_SCHEMA,
    CHAPTER_SCHEMA,
    SCHEMA_REF,
    write_schemas,
)
from bookforge.manuscript.typeload import project_types
from bookforge.manuscript.types import TYPES_FILE
from bookforge.starters import STARTERS, Starter

BOOK_YAML = """\
# yaml-language-server: $schema={schema}
metadata:
  title: {title}
  creators:
    - name: Your Name
  language: en
  identifier: urn:uuid:{work_id}
  date: "2026"
  rights: Copyright © 2026 Your Name. All rights reserved.
  description: >-
    One or two sentences about the book.

contents:
  - title-page
  - copyright-page
  - table-of-contents
{chapters}

editions:
  ebook:
    format: epub
    layout: ebook
    identifier: urn:uuid:{ebook_id}
  paperback:
    format: pdf
    layout: print
    identifier: urn:uuid:{paperback_id}
"""


def new_project(folder: Path, title: str, kind: str = "companion") -> list[Path]:
    """A book project with its first chapters and two editions; refuses to write into a non-empty folder. `kind` (a
    key of bookforge.starters.STARTERS) chooses its entry types and chapters."""
    if folder.exists() and any(folder.iterdir()):
        raise BookforgeError([Diagnostic("folder-not-empty", f"`{folder}` is not empty", Location(str(folder)),
                                         "choose a new folder name")])
    starter = STARTERS[kind]
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True)
    ids = {name: uuid.uuid4() for name in ("work_id", "ebook_id", "paperback_id")}
    files = {
        manuscript / "book.yaml": BOOK_YAML.format(schema=SCHEMA_REF + BOOK_SCHEMA, title=title,
                                                   chapters=_contents_lines(starter), **ids),
        manuscript / starter.chapter_file: starter.chapter.format(schema=SCHEMA_REF + CHAPTER_SCHEMA),
        **{manuscript / name: text for name, text in starter.more_chapters.items()},
        folder / ".gitignore": "/build/\n",
    }
    if starter.types is not None:
        files[manuscript / TYPES_FILE] = starter.types
    files.update({folder / "assets" / path: text for path, text in starter.assets.items()})
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in ("layouts", "assets"):
        (folder / name).mkdir(exist_ok=True)
    return [*files, *write_schemas(manuscript / "schema", project_types(folder))]


def _contents_lines(starter: Starter) -> str:
    """book.yaml's `contents` lines for the starter's chapter files, with what it says of each."""
    lines = [f"  - chapter: {name}" for name in starter.chapters]
    width = max(len(line) for line in lines) + 6
    return "\n".join(f"{line:<{width}}# {starter.comments[name]}" if name in starter.comments else line
                     for line, name in zip(lines, starter.chapters))


def new_layout(root: Path, name: str, parent: str) -> list[Path]:
    """A layout that extends `parent`, with every setting and overridable block listed in comments."""
    folder = root / "layouts" / name
    if folder.exists():
        raise BookforgeError([Diagnostic("layout-exists", f"the layout `{name}` already exists",
                                         Location(f"layouts/{name}"))])
    if name in available_layouts(root) and name != parent:
        raise BookforgeError([Diagnostic("layout-exists", f"bookforge already has a layout `{name}`",
                                         Location(f"layouts/{name}"), "choose another name")])
    layout = load_layout(root, parent)
    settings = yaml.safe_dump(dict(layout.settings), allow_unicode=True, sort_keys=False, default_flow_style=False)
    blocks = [f"{template}: {', '.join(names)}" for template, names in overridable_blocks(layout).items() if names]
    lines = [
        f"extends: {parent}",
        f"description: A layout based on `{parent}`.",
        f"# Settings you can change (values as `{parent}` has them); uncomment and edit:",
        "settings:",
        *(f"#   {line}" for line in settings.splitlines()),
        "#",
        "# Templates: put a file of the same name into templates/ to replace it, or override single blocks:",
        f'#   {{% extends "@{layout.chain[0].name}/chapter.html" %}}{{% block heading %}}...{{% endblock %}}',
        "# Overridable blocks:",
        *(f"#   {line}" for line in blocks),
        "#",
        f"# Styles: every .css file in styles/ is added after those of `{parent}`, so its rules win.",
    ]
    text = "\n".join(lines) + "\n"
    (folder / "templates").mkdir(parents=True)
    (folder / "styles").mkdir()
    files = {folder / "layout.yaml": text,
             folder / "styles" / f"{name}.css": f"/* {name}: rules here override those of `{parent}`. */\n"}
    for path, content in files.items():
        path.write_text(content, encoding="utf-8")
    return list(files)


def overridable_blocks(layout) -> dict[str, list[str]]:
    """Template name -> the `{% block %}` names it defines, for every template along the chain."""
    env = jinja2.Environment()
    found: dict[str, list[str]] = {}
    for layer in reversed(layout.chain):
        for template, source in layer.templates.items():
            names = [block.name for block in env.parse(source).find_all(nodes.Block)]
            found[template] = sorted(set(found.get(template, [])) | set(names))
    return dict(sorted(found.items()))
