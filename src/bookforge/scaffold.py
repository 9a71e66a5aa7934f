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
  - chapter: 01-first-chapter.yaml      # a chapter in YAML: prose and typed entries
  - chapter: 02-second-chapter.md       # or in Markdown, with its title in front matter

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

CHAPTER_YAML = """\
# yaml-language-server: $schema={schema}
title: The First Chapter
# Prose goes in `>-` blocks: YAML reads them exactly as written (a `#`, a `*` or a `: ` in the text is safe).
text: >-
  The chapter's text, in Markdown. Paragraphs are separated by a blank line; *emphasis*, **strong** and
  [links](https://example.org) work as in Markdown, and so do footnotes.[^1]

  * * *

  A line of three asterisks between paragraphs is a scene break, printed as the layout's ornament.

  [^1]: A footnote: at the foot of the page in print, a pop-up note in the ebook.
entries:
  - type: scene
    title: A Scene
    text: >-
      What happens in the scene.
    context: >-
      Where the scene stands in the story, and why it counts.
  - text: >-
      Prose between entries needs no `type`.
  - type: note
    title: A Note
    text: >-
      A fact about the making of the work.
    why_it_matters: >-
      What the fact changes for the reader.
"""

CHAPTER_MD = """\
---
title: The Second Chapter
---
A chapter can also be a Markdown file: the lines between the `---` hold its title (and `short_title` for the
running heads), and the rest is its text.

> A quotation, whose last line names its source.
>
> — Someone Quoted

::: verse
Verse keeps its lines,
  its indentation,

and its stanzas.
:::
"""


def new_project(folder: Path, title: str) -> list[Path]:
    """A book project with one chapter and two editions; refuses to write into a non-empty folder."""
    if folder.exists() and any(folder.iterdir()):
        raise BookforgeError([Diagnostic("folder-not-empty", f"`{folder}` is not empty", Location(str(folder)),
                                         "choose a new folder name")])
    manuscript = folder / "manuscript"
    manuscript.mkdir(parents=True)
    ids = {name: uuid.uuid4() for name in ("work_id", "ebook_id", "paperback_id")}
    files = {
        manuscript / "book.yaml": BOOK_YAML.format(schema=SCHEMA_REF + BOOK_SCHEMA, title=title, **ids),
        manuscript / "01-first-chapter.yaml": CHAPTER_YAML.format(schema=SCHEMA_REF + CHAPTER_SCHEMA),
        manuscript / "02-second-chapter.md": CHAPTER_MD,
        folder / ".gitignore": "/build/\n",
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    for name in ("layouts", "assets"):
        (folder / name).mkdir()
    return [*files, *write_schemas(manuscript / "schema")]


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
