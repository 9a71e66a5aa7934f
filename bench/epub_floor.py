"""The floor of an EPUB build, for bench/epub_speed.py: the least any tool does for a book project.

    python bench/epub_floor.py PROJECT OUT.zip

Reads the book's YAML (libyaml), turns every text into HTML with markdown-it-py and zips one XHTML file per
chapter; nothing else is imported, so the process costs what the work costs.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import yaml
from markdown_it import MarkdownIt


def floor(project: Path, out: Path) -> None:
    """The least any tool does for this book: read its YAML, Markdown to HTML, a zip of one file per chapter."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    markdown = MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])
    manuscript = project / "manuscript"
    book = yaml.load((manuscript / "book.yaml").read_text(encoding="utf-8"), Loader=loader)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for number, item in enumerate(item for item in book["contents"] if isinstance(item, dict)):
            chapter = yaml.load((manuscript / next(iter(item.values()))).read_text(encoding="utf-8"), Loader=loader)
            html = [f"<h1>{markdown.renderInline(chapter['title'])}</h1>"]
            for entry in chapter["entries"]:
                html += [f"<h2>{markdown.renderInline(entry['title'])}</h2>"]
                html += [markdown.render(str(value)) for key, value in entry.items() if key not in ("type", "title")]
            archive.writestr(f"EPUB/chapter-{number}.xhtml", "\n".join(html))


if __name__ == "__main__":
    floor(Path(sys.argv[1]), Path(sys.argv[2]))
