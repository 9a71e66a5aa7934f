"""`bookforge new`, `new-layout`, `schema`, `editions` and `layouts`: the commands that start a project or a layout,
or say what one holds, without building (they print and exit, as cli.py does, whose `main` group they join)."""

from __future__ import annotations

from pathlib import Path

import click

from bookforge.cli import main, project_option, shown_from_here


@main.command()
@project_option
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the schema files (default: manuscript/schema in the project).")
def schema(project: Path, output: Path | None) -> None:
    """Write the JSON Schemas of book.yaml, chapter files and types.yaml, for editors that complete and check keys.

    Chapter files' entries get the project's entry types (bookforge's, its layouts' and manuscript/types.yaml's):
    run it again after changing a type.
    """
    from bookforge.manuscript.schema import write_schemas
    from bookforge.manuscript.typeload import project_types

    for path in write_schemas(output or project / "manuscript" / "schema", project_types(project)):
        click.echo(f"  wrote {shown_from_here(path)}")


def _setting_text(value: object) -> str:
    """A setting's value as it is written in layout.yaml."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return '""' if value == "" else str(value)


@main.command()
@project_option
def editions(project: Path) -> None:
    """List the book's editions: format, layout chain, identifier and what each contains."""
    from bookforge.project import load_project

    loaded = load_project(project)
    for name, edition in loaded.editions.items():
        layout = loaded.layouts[name]
        chain = " -> ".join(layer.name for layer in layout.chain)
        click.echo(f"{name}  ({edition.format}, layout {chain})")
        click.echo(f"    identifier: {edition.identifier}")
        if edition.edition_title:
            click.echo(f"    title page: {edition.edition_title}")
        if edition.entry_types:
            click.echo(f"    entries:    only {', '.join(edition.entry_types)}")
        if edition.exclude:
            click.echo(f"    leaves out: {', '.join(edition.exclude)}")
        for item in edition.extra:
            click.echo(f"    adds:       {item.file} ({item.KEY})")


@main.command()
@click.argument("name", required=False)
@project_option
def layouts(name: str | None, project: Path) -> None:
    """List the layouts and their chains; with NAME, every setting with its value and where it was set.

    \b
    Like `git config --show-origin`: each setting shows the layout file and line that gave it its value,
    so you can see which layout to change.
    """
    from bookforge.layout.chain import available_layouts, load_layout

    if name is None:
        for layout_name in available_layouts(project):
            layout = load_layout(project, layout_name)
            chain = " -> ".join(layer.name for layer in layout.chain)
            where = layout.chain[0].folder
            click.echo(f"{layout_name:<14} {layout.format or '-':<5} {chain:<36} {where}")
            if layout.description:
                click.echo(f"{'':<20} {layout.description}")
        return
    layout = load_layout(project, name)
    click.echo(f"{name}: {' -> '.join(layer.name for layer in layout.chain)} (format {layout.format or '-'})")
    for dotted, origin in sorted(layout.origins.items()):
        value: object = layout.settings
        for key in dotted.split("."):
            value = value[key]  # type: ignore[index]
        click.echo(f"  {dotted:<22} = {_setting_text(value):<28} {origin}")


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="Untitled Book", show_default=True, help="The book's title.")
@click.option("--kind", type=click.Choice(["companion", "dictionary", "cookbook", "field-guide"]),
              default="companion", show_default=True,
              help="What the book is: its entry types (manuscript/types.yaml) and a first chapter of them.")
def new(folder: Path, title: str, kind: str) -> None:
    """Create a new book project in FOLDER: book.yaml, a first chapter, an ebook and a paperback edition.

    \b
    --kind companion     scenes and notes (bookforge's own types) with prose, and a Markdown chapter
    --kind dictionary    headwords sorted under their letters, with senses and cross references
    --kind cookbook      recipes with ingredients and numbered steps, listed in the contents
    --kind field-guide   species, each with a figure
    The project builds at once: `cd FOLDER && bookforge build`.
    """
    from bookforge.scaffold import new_project

    for path in new_project(folder, title, kind):
        click.echo(f"  wrote {shown_from_here(path)}")
    click.echo(f"Next: cd {folder} && bookforge build")


@main.command("new-layout")
@click.argument("name")
@click.option("--extends", "parent", default="print", show_default=True, help="The layout to start from.")
@project_option
def new_layout(name: str, parent: str, project: Path) -> None:
    """Create layouts/NAME extending another layout, listing its settings and overridable template blocks."""
    from bookforge.scaffold import new_layout as scaffold_layout

    for path in scaffold_layout(project, name, parent):
        click.echo(f"  wrote {shown_from_here(path)}")
    click.echo(f"Use it: set `layout: {name}` on an edition in manuscript/book.yaml.")
