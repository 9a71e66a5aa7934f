"""`bookforge import-text`: the committed sample manuscript is exactly what importing the seed gives."""

from __future__ import annotations

import re

import pytest
import yaml

from bookforge.manuscript.textimport import parse_text
from tests.books import REPO, SEED


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def test_reimporting_the_seed_gives_the_committed_chapters(tmp_path, cli):
    result = cli("import-text", SEED, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    chapters = sorted(p.name for p in tmp_path.glob("0*.yaml"))
    assert chapters == ["01-memorable-scenes.yaml", "02-behind-the-scenes.yaml"]
    for name in chapters:
        assert (tmp_path / name).read_text() == (REPO / "manuscript" / name).read_text(), name
    assert (tmp_path / "book.yaml").is_file()


def test_every_sentence_of_the_seed_is_kept_and_no_page_junk(seed_text):
    manuscript = " ".join((REPO / "manuscript" / name).read_text()
                          for name in ("01-memorable-scenes.yaml", "02-behind-the-scenes.yaml"))
    values: list[str] = []
    for name in ("01-memorable-scenes.yaml", "02-behind-the-scenes.yaml"):
        data = yaml.safe_load((REPO / "manuscript" / name).read_text())
        values.append(data["title"])
        for entry in data["entries"]:
            values.extend(str(v) for v in entry.values())
    text = " ".join(values)
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()]
    kept = [line for line in lines[2:] if line != "Download App"]
    for line in kept:
        body = re.sub(r"^(Context|Why it matters): ", "", line)
        assert body in text, line
    assert "Download App" not in manuscript


def test_the_seed_has_19_scenes_and_23_notes(seed_text):
    book = parse_text(seed_text)
    assert [len(c.entries) for c in book.chapters] == [19, 23]
    assert {e["type"] for e in book.chapters[0].entries} == {"scene"}
    assert {e["type"] for e in book.chapters[1].entries} == {"note"}
    assert book.chapters[0].short_title == "Memorable Scenes"


def test_import_overwrites_chapter_files_with_force(tmp_path, cli):
    # Without --force it refuses: tests/cases/invalid/import-over-a-chapter.
    assert cli("import-text", SEED, "-o", tmp_path).exit_code == 0
    (tmp_path / "01-memorable-scenes.yaml").write_text("title: Changed\n", encoding="utf-8")

    assert cli("import-text", SEED, "-o", tmp_path, "--force").exit_code == 0
    committed = (REPO / "manuscript" / "01-memorable-scenes.yaml").read_text()
    assert (tmp_path / "01-memorable-scenes.yaml").read_text() == committed


def test_committed_schemas_match_the_model(tmp_path):
    from bookforge.manuscript.schema import schemas

    for name, text in schemas().items():
        assert (REPO / "manuscript" / "schema" / name).read_text() == text, f"run `bookforge schema` ({name})"


def test_sample_files_name_their_schema():
    for path in (REPO / "manuscript").glob("*.yaml"):
        first = path.read_text().splitlines()[0]
        expected = "book" if path.name == "book.yaml" else "chapter"
        assert first == f"# yaml-language-server: $schema=schema/{expected}.schema.json", path.name
