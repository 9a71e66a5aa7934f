"""Layouts are code an author may have downloaded: templates run sandboxed, and manuscript text is never a template."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render import sandbox
from bookforge.render.rendition import render
from tests.books import TINY_CHAPTER, tiny_project, write_layout


@pytest.mark.parametrize("attack", [
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ part.__class__.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../../../etc/passwd' %}",
    "{% import '../../secret.html' as s %}",
    "{% extends '/etc/hostname' %}",
])
def test_a_template_cannot_run_a_command_or_read_a_file(tmp_path: Path, cli, attack: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    (tmp_path / "project" / "secret.html").write_text("SECRET", encoding="utf-8")
    write_layout(root, "hostile", "extends: ebook\n", {"templates/chapter.html": attack})

    result = cli("build", "-C", root, "-j", "1", "ebook")

    assert result.exit_code == 1
    # The rendering names the missing template rather than the line that asked for it.
    assert "hostile/templates/" in result.stderr and "error[template-" in result.stderr
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_manuscript_text_is_never_rendered_as_a_template(tmp_path: Path):
    chapter = TINY_CHAPTER.replace("José gazes at the stars.", "'{{ 7*7 }} and {% if true %}yes{% endif %} {# c #}'")
    root = tiny_project(tmp_path / "project", chapter.replace("The Dream Begins", "'{{ book.title }}'"))

    rendition = render(load_book(root), "ebook", load_layout(root, "ebook"))

    text = "".join(document.content for document in rendition.documents)
    assert "{{ 7*7 }} and {% if true %}yes{% endif %} {# c #}" in text
    assert "{{ book.title }}" in text
    assert "49" not in text


def test_a_layout_is_compiled_once_a_process_and_again_where_its_environment_differs(tmp_path: Path):
    root = tiny_project(tmp_path / "project")
    book, layout = load_book(root), load_layout(root, "ebook")
    first = render(book, "ebook", layout)
    compiled = dict(sandbox._COMPILED)
    again = render(book, "ebook", layout)  # a new environment: the templates' code is reused, not compiled again
    assert sandbox._COMPILED == compiled
    assert [d.content for d in again.documents] == [d.content for d in first.documents]
    # The code depends on the environment: without autoescape the same source is compiled anew.
    source = "{{ x }}"
    escaped = sandbox.BookSandbox(autoescape=True).from_string(source).render(x="<b>")
    plain = sandbox.BookSandbox(autoescape=False).from_string(source).render(x="<b>")
    assert (escaped, plain) == ("&lt;b&gt;", "<b>")
