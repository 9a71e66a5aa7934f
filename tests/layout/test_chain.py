"""Layouts: the chain, settings checked against the base layout, template overrides, stylesheet order."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render.rendition import render


def write_layout(project: Path, name: str, yaml_text: str, files: dict[str, str] | None = None) -> None:
    folder = project / "layouts" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "layout.yaml").write_text(textwrap.dedent(yaml_text))
    for relative, text in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(textwrap.dedent(text))


def only_problem(excinfo) -> str:
    (diagnostic,) = excinfo.value.diagnostics
    return str(diagnostic)


def test_sample_paperback_chain_and_settings(sample_project):
    layout = load_layout(sample_project, "paperback")
    assert [layer.name for layer in layout.chain] == ["paperback", "print", "base"]
    assert layout.format == "pdf"
    assert layout.settings["ornament"] == "◆"
    assert layout.settings["trim"] == "6x9"
    assert layout.settings["font_size"] == "11pt"  # inherited from base
    assert str(layout.origins["ornament"]) == "layouts/paperback/layout.yaml:6:13"
    assert set(layout.fonts) == {f"fonts/SourceSerifPro-{s}.otf" for s in ("Regular", "It", "Semibold", "SemiboldIt")}


def test_child_overrides_a_block_a_stylesheet_and_a_setting(sample_project):
    write_layout(sample_project, "grand", """\
        extends: paperback
        settings:
          ornament: "§"
          margins:
            top: 1in
        """, {
        "templates/chapter.html": """\
            {% extends "@print/chapter.html" %}
            {% block heading %}<h1 id="{{ part.id }}-title" class="grand-title">{{ part.title }}</h1>{% endblock %}
            """,
        "styles/grand.css": ".grand-title { letter-spacing: 0.1em; }\n",
    })
    layout = load_layout(sample_project, "grand")
    assert layout.settings["margins"]["top"] == "1in"
    assert layout.settings["margins"]["outside"] == "0.625in"  # deep merge keeps the rest
    book = load_book(sample_project)
    rendition = render(book, "paperback", layout)
    (document,) = rendition.documents
    assert document.content.count('class="grand-title"') == 3
    assert "§" in document.content
    sheets = [path for path, _ in rendition.stylesheets]
    assert sheets == ["styles/0-base-base.css", "styles/1-print-print.css", "styles/3-grand-grand.css"]


@pytest.mark.parametrize("yaml_text, expected", [
    ("extends: print\nsettings:\n  ornamnet: x\n",
     "layouts/bad/layout.yaml:3:3: error[unknown-setting]: unknown setting `ornamnet`\n"
     "    hint: did you mean `ornament`?"),
    ("extends: print\nsettings:\n  hyphenate: sometimes\n",
     "layouts/bad/layout.yaml:3:14: error[wrong-type]: setting `hyphenate` should be `true` or `false`, "
     "like its default `True`"),
    ("extends: prnt\n",
     "layouts/bad/layout.yaml:1:10: error[unknown-layout]: there is no layout `prnt`\n"
     "    hint: did you mean `print`?"),
    ("extends: print\nformat: mobi\n",
     "layouts/bad/layout.yaml:2:9: error[bad-value]: unknown format `mobi`\n"
     "    hint: expected one of: `epub`, `pdf`"),
])
def test_bad_layouts_give_one_located_message(sample_project, yaml_text, expected):
    write_layout(sample_project, "bad", yaml_text)
    with pytest.raises(BookforgeError) as excinfo:
        load_layout(sample_project, "bad")
    assert only_problem(excinfo) == expected


def test_a_cycle_is_named(sample_project):
    write_layout(sample_project, "one", "extends: two\n")
    write_layout(sample_project, "two", "extends: one\n")
    with pytest.raises(BookforgeError) as excinfo:
        load_layout(sample_project, "one")
    assert only_problem(excinfo) == (
        "layouts/two/layout.yaml:1:10: error[layout-cycle]: layouts extend each other in a circle: one -> two -> one")


def test_template_syntax_error_is_located(sample_project):
    write_layout(sample_project, "broken", "extends: paperback\n",
                 {"templates/entry-scene.html": "<article>\n{% if entry.title %}\n</article>\n"})
    book = load_book(sample_project)
    with pytest.raises(BookforgeError) as excinfo:
        render(book, "paperback", load_layout(sample_project, "broken"))
    message = only_problem(excinfo)
    assert message.startswith("layouts/broken/templates/entry-scene.html:")
    assert "template-error" in message


def test_a_misspelt_template_variable_is_an_error_not_blank_output(sample_project):
    write_layout(sample_project, "typo", "extends: paperback\n",
                 {"templates/entry-note.html": "<p>{{ entry.why_it_maters }}</p>\n"})
    book = load_book(sample_project)
    with pytest.raises(BookforgeError) as excinfo:
        render(book, "paperback", load_layout(sample_project, "typo"))
    assert "why_it_maters" in only_problem(excinfo)


def test_templates_cannot_reach_python_internals(sample_project):
    write_layout(sample_project, "sneaky", "extends: paperback\n",
                 {"templates/entry-note.html": "{{ entry.__class__.__mro__ }}\n"})
    book = load_book(sample_project)
    with pytest.raises(BookforgeError) as excinfo:
        render(book, "paperback", load_layout(sample_project, "sneaky"))
    assert "template" in only_problem(excinfo)
