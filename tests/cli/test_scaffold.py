"""`bookforge new` and `bookforge new-layout`: a project that builds at once, a layout that lists what it can change."""

from __future__ import annotations

import pytest

from bookforge.layout.chain import load_layout


@pytest.mark.slow
def test_a_new_project_builds_at_once(tmp_path, epubcheck, cli):
    project = tmp_path / "my book"
    assert cli("new", project, "--title", "Café Stories").exit_code == 0
    result = cli("build", "-C", project)
    assert result.exit_code == 0, result.output
    epub = project / "build" / "ebook" / "cafe-stories.epub"
    assert epubcheck(epub) == []
    assert (project / "build" / "paperback" / "cafe-stories.pdf").is_file()


def test_new_layout_lists_settings_and_blocks_and_can_be_used(sample_project, cli):
    result = cli("new-layout", "special", "--extends", "paperback", "-C", sample_project)
    assert result.exit_code == 0, result.output
    text = (sample_project / "layouts" / "special" / "layout.yaml").read_text()
    assert text.startswith("extends: paperback\n")
    assert "#   ornament: ◆" in text
    assert "#   chapter.html: entries, heading" in text
    # Uncomment one setting: the layout loads and the value is taken from it.
    (sample_project / "layouts" / "special" / "layout.yaml").write_text(
        text.replace("#   ornament: ◆", "  ornament: ❦"))
    assert load_layout(sample_project, "special").settings["ornament"] == "❦"
