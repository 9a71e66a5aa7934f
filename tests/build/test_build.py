"""The orchestrator: what is rebuilt and what is kept, parallel builds, the report, the lock."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from bookforge.build.cache import edition_inputs
from bookforge.build.lock import LOCK_FILE, build_lock
from bookforge.build.orchestrate import build
from bookforge.build.report import REPORT_FILE
from bookforge.errors import BookforgeError
from bookforge.manuscript.load import load_book
from bookforge.project import load_project
from tests.books import REPO, figures_project, tiny_project, write_png


def edit_scene(project, old: str, new: str) -> None:
    chapter = project / "manuscript" / "01-memorable-scenes.yaml"
    text = chapter.read_text(encoding="utf-8")
    assert old in text
    chapter.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def ebook_built(sample_project):
    """The sample's ebook and pocket editions built once."""
    report = build(sample_project, ["ebook", "pocket"])
    assert all(r.rebuilt for r in report)
    return sample_project, report


@pytest.mark.slow
def test_a_second_build_with_nothing_changed_renders_nothing(ebook_built):
    project, first = ebook_built
    second = build(project, ["ebook", "pocket"])
    assert [r.rebuilt for r in second] == [False, False]
    assert [r.rendered_parts for r in second] == [(), ()]
    assert [r.path.read_bytes() for r in second] == [r.path.read_bytes() for r in first]
    assert [(r.pages, r.words, r.size) for r in second] == [(r.pages, r.words, r.size) for r in first]


@pytest.mark.slow
def test_changing_one_chapter_renders_only_that_chapter(ebook_built):
    project, _ = ebook_built
    edit_scene(project, "gazing at the stars", "gazing at the bright stars")
    report = build(project, ["ebook", "pocket"])
    assert all(r.rebuilt for r in report)
    assert [r.rendered_parts for r in report] == [("memorable-scenes",), ("memorable-scenes",)]
    with zipfile.ZipFile(report.editions[0].path) as epub:
        assert "gazing at the bright stars" in epub.read("EPUB/memorable-scenes.xhtml").decode()


@pytest.mark.slow
def test_a_changed_title_renders_the_pages_that_show_it(ebook_built):
    project, _ = ebook_built
    edit_scene(project, "title: The Dream Begins", "title: The Dream Starts")
    (ebook,) = build(project, ["ebook"])
    # The contents page lists entries' chapters only; the chapter itself shows the entry title.
    assert ebook.rendered_parts == ("memorable-scenes",)


@pytest.mark.slow
def test_a_changed_layout_rebuilds_the_editions_using_it(ebook_built):
    project, _ = ebook_built
    styles = project / "layouts" / "paperback" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "extra.css").write_text("p { word-spacing: 0.01em; }\n")
    report = build(project, ["ebook", "pocket", "paperback"])
    # The ebook carries the paperback's page list (`page_list_from`), so it follows the paperback's layout too.
    assert [r.rebuilt for r in report] == [True, False, True]


@pytest.mark.slow
def test_a_deleted_or_altered_output_is_rebuilt(ebook_built):
    project, first = ebook_built
    first.editions[0].path.write_bytes(b"not an epub")
    first.editions[1].path.unlink()
    report = build(project, ["ebook", "pocket"])
    assert [r.rebuilt for r in report] == [True, True]
    assert zipfile.is_zipfile(report.editions[0].path)


def test_a_changed_image_changes_the_editions_inputs(tmp_path):
    project = figures_project(tmp_path / "book")

    def inputs() -> str:
        return edition_inputs(load_book(project), "ebook", load_project(project).layouts["ebook"], "0")

    before = inputs()
    write_png(project / "assets" / "images" / "launch.png", size=(121, 80))
    assert inputs() != before


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["{not json", '{"format": "someone-else", "editions": {}}',
                                    '{"format": "bookforge-cache-1", "editions": {"ebook": {"inputs": 3}}}'])
def test_a_corrupt_or_foreign_cache_is_ignored(ebook_built, damage):
    project, _ = ebook_built
    (project / "build" / ".cache" / "state.json").write_text(damage)
    report = build(project, ["ebook", "pocket"])
    assert [r.rebuilt for r in report] == [True, True]
    assert report.notes and "ignored" in report.notes[0]


@pytest.mark.slow
def test_same_inputs_give_the_same_bytes_built_serially_or_in_parallel(built_sample, sample_project, tmp_path):
    """The session's sample build is serial; another copy of the project, built into another folder with two
    workers, gives every edition byte for byte (SOURCE_DATE_EPOCH fixes the dates)."""
    parallel = build(sample_project, output=tmp_path / "parallel", jobs=2)
    assert [r.name for r in parallel] == list(built_sample) == ["ebook", "paperback", "large-print", "pocket"]
    for result in parallel:
        assert result.path.read_bytes() == built_sample[result.name].path.read_bytes(), result.name


@pytest.mark.slow
def test_problems_from_parallel_workers_are_all_reported(sample_project, tmp_path):
    for layout in ("paperback",):
        styles = sample_project / "layouts" / layout / "styles"
        styles.mkdir(parents=True, exist_ok=True)
        (styles / "bad.css").write_text(".x { background: url(../nowhere.png); }\n.title-page { background: url(../nowhere.png); }\n")
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["paperback", "ebook"], tmp_path, jobs=2)
    assert any("nowhere.png" in d.message for d in excinfo.value.diagnostics)


@pytest.mark.slow
def test_the_report_describes_every_edition(ebook_built):
    project, _ = ebook_built
    data = json.loads((project / "build" / REPORT_FILE).read_text())
    ebook, pocket = data["editions"]
    assert ebook["path"] == "ebook/a-million-miles-away.epub" and ebook["pages"] is None
    assert pocket["pages"] > 10 and pocket["words"] < ebook["words"]
    assert {"size", "words", "seconds", "rebuilt", "warnings"} <= set(ebook)


def test_a_second_build_at_the_same_time_is_told(sample_project, cli):
    output = (sample_project / "build").resolve()
    with build_lock(output):  # as the first build holds it
        result = cli("build", "-C", sample_project, "-j", "1", "ebook")
    assert result.exit_code == 1
    assert f"error[build-running]: another bookforge build is writing to {output}" in result.stderr
    assert (output / LOCK_FILE).exists() and not list(output.rglob("*.epub"))


@pytest.mark.slow
@pytest.mark.expect_warnings("pdf-render")
def test_strict_turns_warnings_into_problems(sample_project, tmp_path):
    styles = sample_project / "layouts" / "paperback" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "typo.css").write_text(".entry-title { colr: red; }\n")
    (result,) = build(sample_project, ["paperback"], tmp_path / "lenient")
    assert len(result.warnings) == 1
    with pytest.raises(BookforgeError):
        build(sample_project, ["paperback"], tmp_path / "strict", strict=True)
    assert not (tmp_path / "strict" / "paperback").exists()


@pytest.mark.slow
def test_the_ebook_cover_is_drawn_once_and_kept(tmp_path, monkeypatch):
    """Drawing the cover takes WeasyPrint; an edit elsewhere takes the drawn cover from the user's shared store."""
    import base64

    from bookforge.build.cache import COVERS_DIR, shared_store

    # A user of the test's own: the covers in this store are tampered with, and other tests' books are not its.
    monkeypatch.setenv("BOOKFORGE_CACHE_KEY_FILE", str(tmp_path / "user" / "cache.key"))
    project = tiny_project(tmp_path / "book")
    build(project, ["ebook"])
    store = shared_store(COVERS_DIR, ".txt")
    (kept,) = list(store)
    marker = b"\xff\xd8 a cover from the store"
    store[kept] = base64.b64encode(marker).decode()  # as bookforge stores it: a file put there otherwise is not read
    chapter = project / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("stars", "moon"), encoding="utf-8")
    (ebook,) = build(project, ["ebook"])
    assert ebook.rebuilt
    with zipfile.ZipFile(ebook.path) as epub:
        assert epub.read("EPUB/images/cover.jpg") == marker


@pytest.mark.slow
def test_the_print_cover_wrap_is_drawn_again_only_when_what_it_shows_or_its_date_changes(tmp_path, monkeypatch):
    import base64

    from bookforge.build.cache import FRAGMENTS_DIR, Cache

    project = tiny_project(tmp_path)
    (first,) = build(project, ["paperback"])
    store = Cache(project / "build").store(FRAGMENTS_DIR)
    (kept,) = [key for key in store if key.startswith("wrap-")]
    marker = b"%PDF-1.7 a wrap from the store"
    store[kept] = base64.b64encode(marker).decode()  # as bookforge stores it
    chapter = project / "manuscript" / "01-chapter.yaml"  # the interior changes, not its page count
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("stars", "moon"), encoding="utf-8")
    (edited,) = build(project, ["paperback"])
    assert edited.rebuilt and edited.pages == first.pages and edited.cover.read_bytes() == marker
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(os.environ["SOURCE_DATE_EPOCH"]) + 86_400))
    (dated,) = build(project, ["paperback"])
    assert dated.cover.read_bytes().startswith(b"%PDF-") and dated.cover.read_bytes() != marker


def test_a_source_date_that_is_not_a_number_is_a_clear_error(sample_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BookforgeError) as excinfo:
        build(sample_project, ["ebook"])
    assert [str(d) for d in excinfo.value.diagnostics] == [
        "error[bad-environment]: SOURCE_DATE_EPOCH is not a number: `yesterday`\n"
        "    hint: set it to seconds since 1970, e.g. `git log -1 --format=%ct`"]


PRINT_MODULES = ("weasyprint", "bookforge.print.writer", "bookforge.print.chunks", "pikepdf", "pydyf", "pypdfium2")
"""What only a print edition or a drawn cover needs: an ebook whose cover is kept imports none of them. (fontTools
is the ebook's too since issue 17: the fallback fonts are chosen from the fonts' character maps.)"""


@pytest.mark.slow
def test_an_ebook_with_its_cover_kept_is_built_without_the_print_writer(tmp_path, epubcheck):
    project = tiny_project(tmp_path)  # no page list from the paperback
    build(project, ["ebook"])  # draws the cover
    chapter = project / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("stars", "moon"), encoding="utf-8")
    shutil.rmtree(project / "build")  # as in a fresh clone of the book: the cover is in the user's shared store
    program = ("import sys; from pathlib import Path; from bookforge.build.orchestrate import build; "
               "report = build(Path(sys.argv[1]), ['ebook']); assert report.editions[0].rebuilt; "
               f"print(sorted(m for m in sys.modules if m.startswith({PRINT_MODULES!r})))")
    done = subprocess.run([sys.executable, "-c", program, str(project)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert epubcheck(next((project / "build" / "ebook").glob("*.epub"))) == []


@pytest.mark.slow
def test_the_rendered_parts_kept_are_pruned_least_recently_used_first(tmp_path, monkeypatch):
    from bookforge.build import orchestrate
    from bookforge.build.cache import FRAGMENTS_DIR, Cache

    project = tiny_project(tmp_path / "book")
    build(project, ["ebook"])
    store = Cache(project / "build").store(FRAGMENTS_DIR)
    made = sorted(store)
    assert len(made) >= 3
    for age, key in enumerate(made):  # the first made the longest ago
        os.utime(store.folder / key[:2] / f"{key}.html", ns=(10**18 + age * 10**9,) * 2)
    used = made[0]
    assert store[used]  # read now: the most recently used
    sizes = {key: (store.folder / key[:2] / f"{key}.html").stat().st_size for key in made}

    assert store.prune(sum(sizes.values())) == 0  # within the limit: nothing removed
    removed = store.prune(sum(sizes.values()) - 1)

    kept = set(store)
    assert used in kept and removed == len(made) - len(kept) >= 1
    assert [key for key in made if key not in kept] == [key for key in made if key != used][:removed]
    assert sum(sizes[key] for key in kept) <= (sum(sizes.values()) - 1) * 3 // 4

    # A build keeps build/.cache within the limit; the next build makes the same book.
    monkeypatch.setattr(orchestrate, "FRAGMENTS_LIMIT", 1)
    (ebook,) = build(project, ["ebook"], force=True)
    assert list(store) == []
    good = ebook.path.read_bytes()
    (again,) = build(project, ["ebook"], force=True)
    assert again.path.read_bytes() == good
