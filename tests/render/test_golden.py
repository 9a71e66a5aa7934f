"""The sample's ebook documents as the templates render them, kept in tests/golden/: a template change is a diff.

After a deliberate change, `make golden` rewrites the files; review them with `git diff tests/golden`.
"""

from __future__ import annotations

import difflib

import pytest
from lxml import etree

from bookforge.project import load_project
from bookforge.render.rendition import render
from tests.books import REPO

GOLDEN = REPO / "tests" / "golden" / "ebook"


def normalised(xhtml: str) -> str:
    """One element a line, indented (text inside paragraphs as written): stable, and readable as a diff."""
    parser = etree.XMLParser(remove_blank_text=True)
    tree = etree.ElementTree(etree.fromstring(xhtml.encode("utf-8"), parser))
    return etree.tostring(tree, encoding="unicode", pretty_print=True)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    project = load_project(REPO)
    rendition = render(project.book, "ebook", project.layouts["ebook"])
    return {document.href: normalised(document.content) for document in rendition.documents}


def test_the_samples_ebook_documents_are_the_golden_ones(rendered, request):
    if request.config.getoption("--update-golden"):
        for old in GOLDEN.glob("*.xhtml"):
            old.unlink()
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for href, text in rendered.items():
            (GOLDEN / href).write_text(text, encoding="utf-8")
    kept = {path.name: path.read_text(encoding="utf-8") for path in sorted(GOLDEN.glob("*.xhtml"))}
    assert sorted(kept) == sorted(rendered), "documents were added or removed: run `make golden`"
    changed = ["".join(difflib.unified_diff(kept[href].splitlines(keepends=True), text.splitlines(keepends=True),
                                            f"tests/golden/ebook/{href}", f"rendered {href}"))
               for href, text in rendered.items() if text != kept[href]]
    assert not changed, "the rendering changed; if on purpose, run `make golden`:\n" + "\n".join(changed)
