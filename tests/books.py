"""Book projects the tests write: a tiny one-chapter book, layouts of its own, a realistic generated book of any
length; and the problems of loading one.

`bench/make_manuscript.py` writes the generated book from the command line; the benchmarks import `make` from
here, so tests and benchmarks lay out the same books.
"""

from __future__ import annotations

import random
import re
import shutil
import textwrap
from pathlib import Path

import pypdf
import yaml

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "data" / "seed.txt"
"""The text the sample manuscript was imported from (`bookforge import-text`)."""
SOURCE_DATE_EPOCH = "1764000000"
"""The date every test build carries (tests/conftest.py sets it for each test)."""

TINY_BOOK = """\
metadata:
  title: {title}
  creators:
    - name: Jane Doe
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000000
contents:
  - title-page
  - table-of-contents
{chapters}
editions:
  ebook:
    format: epub
    layout: {ebook_layout}
    identifier: urn:isbn:9780000000019
  paperback:
    format: pdf
    layout: {print_layout}
    identifier: urn:isbn:9780000000026
"""
TINY_CHAPTER = """\
title: The Only Chapter
entries:
- type: scene
  title: The Dream Begins
  text: José gazes at the stars.
  context: It sets up his journey.
"""


def tiny_project(folder: Path, chapter: str | bytes = TINY_CHAPTER, *, title: str = "A Tiny Book",
                 chapters: list[str] | None = None, ebook_layout: str = "ebook", print_layout: str = "print") -> Path:
    """A one-chapter book with an ebook and a paperback edition (fonts come from bookforge's base layout).

    With `chapters`, book.yaml names those files and writes none of them.
    """
    (folder / "manuscript").mkdir(parents=True, exist_ok=True)
    names = chapters or ["01-chapter.yaml"]
    (folder / "manuscript" / "book.yaml").write_text(TINY_BOOK.format(
        title=title, chapters="\n".join(f"  - chapter: {name}" for name in names), ebook_layout=ebook_layout,
        print_layout=print_layout), encoding="utf-8")
    if chapters is None:
        data = chapter if isinstance(chapter, bytes) else chapter.encode("utf-8")
        (folder / "manuscript" / "01-chapter.yaml").write_bytes(data)
    return folder


FIGURES_CHAPTER = """\
title: The Launch
entries:
  - type: scene
    title: The Dream Begins
    text: José gazes at the stars.
    context: It starts everything.
  - type: figure
    src: images/launch.png
    alt: A rocket rising over the desert at dawn.
    caption: The launch, *as the film shows it*.
  - type: figure
    src: images/stars.svg
    decorative: true
"""
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10" viewBox="0 0 40 10">'
       b'<circle cx="5" cy="5" r="4" fill="#555"/></svg>')


def figures_project(folder: Path) -> Path:
    """The tiny book with figures: a 120 x 80 PNG with alt text and a caption, and a decorative SVG."""
    root = tiny_project(folder, FIGURES_CHAPTER)
    write_png(root / "assets" / "images" / "launch.png")
    (root / "assets" / "images" / "stars.svg").write_bytes(SVG)
    return root


def write_png(path: Path, size: tuple[int, int] = (120, 80)) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 80, 40)).save(path, "PNG")


def load_problems(root: Path) -> list[str]:
    """Every diagnostic of loading the book at `root`, which must have problems, as printed (first line only)."""
    import pytest  # imported here: the benchmarks import this module (for `make`) and need no pytest

    from bookforge.errors import BookforgeError
    from bookforge.manuscript.load import load_book

    with pytest.raises(BookforgeError) as caught:
        load_book(root)
    return [str(d).splitlines()[0] for d in caught.value.diagnostics]


def write_layout(project: Path, name: str, layout_yaml: str, files: dict[str, str] | None = None) -> Path:
    """A layout of the project's own: layouts/NAME/layout.yaml, and files such as `templates/chapter.html`."""
    folder = project / "layouts" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layout.yaml").write_text(textwrap.dedent(layout_yaml), encoding="utf-8")
    for relative, text in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def set_layout(project: Path, layout: str = "paperback", **settings) -> None:
    """Change settings in the project's own layout `layout` (its layout.yaml)."""
    path = project / "layouts" / layout / "layout.yaml"
    data = yaml.safe_load(path.read_text())
    data.setdefault("settings", {}).update(settings)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


# -- a generated book: N chapters of scenes and notes with inline markup ---------------------------------------------
# Sentences are drawn (seeded, so every run writes the same book) from the sample manuscript, with emphasis, strong
# text, quotes, dashes and links sprinkled in as an author would.

def sentences() -> list[str]:
    found: list[str] = []
    for path in sorted((REPO / "manuscript").glob("0*.yaml")):
        for entry in yaml.safe_load(path.read_text())["entries"]:
            for value in entry.values():
                found.extend(s for s in re.split(r"(?<=[.!?])\s+", str(value)) if len(s.split()) > 6)
    return found


def decorate(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    roll = rng.random()
    if roll < 0.08:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    elif roll < 0.12:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    elif roll < 0.14:
        i = rng.randrange(len(words) - 1)
        words[i] = f"[{words[i]}](https://example.org/{i})"
    elif roll < 0.18:
        return f'"{sentence}" -- or so it seemed...'
    return " ".join(words)


def paragraph(rng: random.Random, pool: list[str], words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(decorate(rng.choice(pool), rng))
    return " ".join(out)


def make(out: Path, words: int, chapters: int) -> Path:
    """A project of `chapters` chapters and about `words` words at `out`, with the sample's layouts and assets."""
    rng = random.Random(1969)
    pool = sentences()
    manuscript = out / "manuscript"
    if out.exists():
        shutil.rmtree(out)
    manuscript.mkdir(parents=True)
    shutil.copytree(REPO / "assets", out / "assets")
    shutil.copytree(REPO / "layouts", out / "layouts")
    for extra in (REPO / "manuscript").glob("[!0]*.yaml"):  # front and back matter that editions name
        shutil.copy(extra, manuscript / extra.name)
    per_chapter = words // chapters
    contents: list[object] = ["title-page", "copyright-page", "table-of-contents"]
    for n in range(1, chapters + 1):
        entries, written = [], 0
        kind = "scene" if n % 2 else "note"
        while written < per_chapter:
            text = "\n\n".join(paragraph(rng, pool, rng.randint(60, 160)) for _ in range(rng.randint(1, 3)))
            aside = paragraph(rng, pool, rng.randint(20, 50))
            title = " ".join(rng.choice(pool).split()[:rng.randint(2, 5)]).strip(",.;")
            entry = {"type": kind, "title": title, "text": text,
                     ("context" if kind == "scene" else "why_it_matters"): aside}
            entries.append(entry)
            written += len(text.split()) + len(aside.split()) + len(title.split())
        name = f"{n:02d}-chapter.yaml"
        (manuscript / name).write_text(yaml.safe_dump(
            {"title": f"Chapter {n}", "entries": entries}, allow_unicode=True, sort_keys=False, width=100))
        contents.append({"chapter": name})
    book = yaml.safe_load((REPO / "manuscript" / "book.yaml").read_text())
    book["contents"] = contents
    (manuscript / "book.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
    return out


def pages_text(path: Path) -> list[str]:
    """The text of each page of a PDF, its white space collapsed."""
    return [" ".join((page.extract_text() or "").split()) for page in pypdf.PdfReader(path).pages]


def outline_titles(path: Path) -> list[str]:
    reader = pypdf.PdfReader(path)

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title.replace("\u00a0", " ")  # headings keep a short last word with the one before

    return list(walk(reader.outline))
