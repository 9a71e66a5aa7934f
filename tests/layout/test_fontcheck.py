"""A project's font files are read whole by fontTools once: what each maps is kept, by the file's SHA-256, in the
user's shared store (beside their cache key: a press's books share their faces), and later loads take it from
there."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bookforge.build.cache import FONTS_DIR, shared_store
from bookforge.layout.fontcheck import _decoded, _encoded
from bookforge.project import load_project
from tests.books import tiny_project
from tests.test_security_fonts import _font


def _project_with_font(folder: Path) -> tuple[Path, str]:
    root = tiny_project(folder)
    (root / "assets" / "fonts").mkdir(parents=True)
    data = _font()  # maps `a` alone
    (root / "assets" / "fonts" / "LinLibertine_R.otf").write_bytes(data)  # the base layout's regular face
    return root, hashlib.sha256(data).hexdigest()


def test_a_font_read_once_is_kept_with_its_map_and_not_read_again(tmp_path: Path):
    root, key = _project_with_font(tmp_path / "book")
    kept: dict[str, str] = {}
    layout = load_project(root, kept).layouts["ebook"]
    assert layout.coverage["fonts/LinLibertine_R.otf"] == {0x61}
    assert _decoded(kept[key]) == {0x61}
    # A later load takes the map from the store: fontTools does not read the file again.
    layout = load_project(root, {key: _encoded(frozenset({0x61, 0x62, 0x63}))}).layouts["ebook"]
    assert layout.coverage["fonts/LinLibertine_R.otf"] == {0x61, 0x62, 0x63}


def test_a_map_is_kept_as_runs_of_code_points():
    coverage = frozenset({0x20, 0x21, 0x22, 0x41, 0x1F600})
    assert _encoded(coverage) == "20-22,41-41,1f600-1f600"
    assert _decoded(_encoded(coverage)) == coverage


@pytest.mark.slow
def test_a_build_keeps_the_maps_of_the_projects_fonts_in_the_users_shared_store(built_sample):
    output = built_sample["ebook"].path.parents[1]
    project = output.parent
    fonts = sorted((project / "assets" / "fonts").glob("*.otf"))
    assert fonts, "the sample book has fonts of its own"
    store = shared_store(FONTS_DIR, ".txt")
    for font in fonts:
        assert hashlib.sha256(font.read_bytes()).hexdigest() in store, font.name
