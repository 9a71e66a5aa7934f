"""Layouts: the chain, settings inherited and overridden, template overrides, stylesheet order.

A bad layout with its exact message: tests/cases/invalid/layout-*/ and template-*/ (tests/test_errors.py).
"""

from __future__ import annotations

from bookforge.layout.chain import load_layout
from bookforge.manuscript.load import load_book
from bookforge.render.rendition import render
from tests.books import write_layout


def test_sample_paperback_chain_and_settings(sample_project):
    layout = load_layout(sample_project, "paperback")
    assert [layer.name for layer in layout.chain] == ["paperback", "print", "base"]
    assert layout.format == "pdf"
    assert layout.settings["ornament"] == "◆"
    assert layout.settings["trim"] == "6x9"
    assert layout.settings["font_size"] == "11pt"  # inherited from base
    assert str(layout.origins["ornament"]) == "layouts/paperback/layout.yaml:6:13"
    assert set(layout.fonts) == {f"fonts/LinLibertine_{s}.otf" for s in ("R", "RI", "RB", "RBI")}


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
