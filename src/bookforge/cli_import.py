"""`bookforge import` and `bookforge import-text`: the command-line side of bookforge.importing and
manuscript/textimport.py (they print and exit, as cli.py does, whose `main` group they join)."""

from __future__ import annotations

from pathlib import Path

import click

from bookforge.cli import main, print_problems, shown_from_here


@main.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The book project folder to write (new, or empty).")
@click.option("--chapter-style", metavar="STYLE", help="Word: the paragraph style that starts a chapter "
              "(default: Heading 1).")
@click.option("--chapter-pattern", metavar="REGEX", help="Plain text: a regular expression for the lines that "
              "start chapters (default: `Chapter 1`, `CHAPTER ONE`, `IV`, `# Title`...).")
@click.option("--entries", "entry_type", metavar="TYPE", help="Make definition lists, and subheadings followed by "
              "labelled paragraphs (`Origin: ...`), entries of this type (declared in manuscript/types.yaml).")
@click.option("--force", is_flag=True, help="Write into a project that already has a manuscript.")
def import_(source: Path, output: Path, chapter_style: str | None, chapter_pattern: str | None,
            entry_type: str | None, force: bool) -> None:
    """Turn an EPUB, a Word document (.docx), Markdown (a file, or a folder of .md files) or plain text into a
    book project that builds at once, and say what could not come through as it was."""
    from bookforge.importing.run import import_book, summary

    result = import_book(source, output, chapter_style=chapter_style, chapter_pattern=chapter_pattern,
                         entry_type=entry_type, force=force)
    print_problems(result.notices)
    for path in result.files:
        click.echo(f"  wrote {shown_from_here(path)}")
    if result.book is not None:
        click.echo(summary(result))


@main.command("import-text")
@click.argument("text_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("manuscript"),
              show_default=True, help="The manuscript folder to write chapter files into.")
@click.option("--force", is_flag=True, help="Overwrite chapter files that already exist.")
def import_text(text_file: Path, output: Path, force: bool) -> None:
    """Turn plain text laid out like a web page of titled items into manuscript YAML.

    The text starts with the book's title and a line describing it. Each section starts with a heading line;
    each entry is a title line, its paragraphs, and a `Context: ...` line (a scene) or a `Why it matters: ...`
    line (a note). Writes one chapter file per section, and a starter book.yaml when there is none.
    """
    from bookforge.manuscript.textimport import import_text_file

    for path in import_text_file(text_file, output, force=force):
        click.echo(f"  wrote {shown_from_here(path)}")
