"""The no-op build decided from the last build's sealed record (build/uptodate.py): without loading the book or
importing a stage, and never when anything the build read, the folders it looked in, bookforge, the options or
SOURCE_DATE_EPOCH changed, nor when the record is not the user's bookforge's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bookforge.build.orchestrate import build
from bookforge.build.seal import Cache
from bookforge.build.uptodate import UP_TO_DATE_FILE, current
from tests.books import REPO, tiny_project, write_layout

STAGE_MODULES = ("weasyprint", "ebooklib", "markdown_it", "pydantic", "jinja2", "lxml", "bookforge.manuscript",
                 "bookforge.render", "bookforge.build.orchestrate")
"""What a build that changes nothing has no use for: the stages and the libraries they stand on."""
_SHOW_MODULES = ("import atexit, sys\n"
                 f"atexit.register(lambda: print('MODULES', sorted(m for m in sys.modules if m.startswith({STAGE_MODULES!r}))))\n"
                 "from bookforge.cli import main\n"
                 "main(sys.argv[1:], prog_name='bookforge')\n")


def _bookforge(*args: str | Path) -> subprocess.CompletedProcess:
    """The command line in a fresh process; its last line of output lists the stage modules it imported."""
    return subprocess.run([sys.executable, "-c", _SHOW_MODULES, *map(str, args)], capture_output=True, text=True,
                          check=False, env={**os.environ, "PYTHONPATH": str(REPO / "src")})


def _imported(done: subprocess.CompletedProcess) -> str:
    return done.stdout.strip().splitlines()[-1]


def _kept(root: Path, editions: tuple[str, ...] = ("ebook",), output: Path | None = None) -> bool:
    """Whether the no-op check finds every output of `editions` current."""
    return current(root, editions, output, strict=False, on_event=lambda what, name: None) is not None


@pytest.fixture
def built(tmp_path: Path) -> Path:
    root = tiny_project(tmp_path / "book")
    (made,) = build(root, ["ebook"])
    assert made.rebuilt and _kept(root)
    return root


def test_a_no_op_build_loads_nothing_and_imports_no_stage(built: Path):
    before = (built / "build" / "report.json").read_text(encoding="utf-8")
    done = _bookforge("build", "-C", built, "ebook")
    assert done.returncode == 0, done.stderr
    assert _imported(done) == "MODULES []"
    assert "up to date: ebook" in done.stderr
    assert "Nothing changed since the last build" in done.stdout
    report, made = json.loads((built / "build" / "report.json").read_text(encoding="utf-8")), json.loads(before)
    assert [edition | {"seconds": 0} for edition in report["editions"]] == \
        [edition | {"seconds": 0, "rebuilt": False, "rendered_parts": []} for edition in made["editions"]]


def _edit_chapter(root: Path) -> None:
    chapter = root / "manuscript" / "01-chapter.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("stars", "moon"), encoding="utf-8")


def _new_manuscript_file(root: Path) -> None:
    (root / "manuscript" / "02-chapter.yaml").write_text("title: Two\n", encoding="utf-8")


def _new_layout(root: Path) -> None:
    write_layout(root, "ebook", "extends: ebook\nformat: epub\n", {"styles/more.css": "p { margin: 0 }\n"})


def _new_image(root: Path) -> None:
    (root / "assets").mkdir()
    (root / "assets" / "cover.png").write_bytes(b"not yet")


def _other_date(root: Path) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000001"  # the autouse fixture puts the test's value back


def _output_changed(root: Path) -> None:
    epub = next((root / "build" / "ebook").glob("*.epub"))
    epub.write_bytes(epub.read_bytes() + b"\0")


def _record_tampered(root: Path) -> None:
    path = root / "build" / ".cache" / UP_TO_DATE_FILE
    path.write_bytes(path.read_bytes().replace(b'"words": ', b'"words": 1', 1))


def _state_tampered(root: Path) -> None:
    """The build's records changed (here made unreadable): the build, not the no-op, says what it makes of them."""
    path = root / "build" / ".cache" / "state.json"
    path.write_bytes(path.read_bytes().replace(b'"words": ', b'"words": 1', 1))


def _record_forged(root: Path) -> None:
    """The record as someone else's key seals it (a copied or planted cache)."""
    path = root / "build" / ".cache" / UP_TO_DATE_FILE
    body = Cache(root / "build").read(UP_TO_DATE_FILE)
    forged = Cache(root / "build")
    forged.key = b"k" * 32
    forged.write(UP_TO_DATE_FILE, body)
    assert path.exists()


@pytest.mark.parametrize("change", [_edit_chapter, _new_manuscript_file, _new_layout, _new_image, _other_date,
                                    _output_changed, _record_tampered, _state_tampered,
                                    _record_forged])
def test_anything_the_build_depends_on_changed_means_a_build(built: Path, change):
    change(built)
    assert not _kept(built)


def test_other_options_mean_a_build(built: Path, tmp_path: Path):
    assert not _kept(built, ("ebook", "paperback"))
    assert not _kept(built, ())  # every edition: the paperback was never built
    assert not _kept(built, ("ebook",), tmp_path / "elsewhere")
    assert _kept(built)


def test_a_changed_layout_file_means_a_build(tmp_path: Path):
    root = tiny_project(tmp_path / "book", ebook_layout="mine")
    write_layout(root, "mine", "extends: ebook\nformat: epub\n", {"styles/mine.css": "p { margin: 0 }\n"})
    build(root, ["ebook"])
    assert _kept(root)
    (root / "layouts" / "mine" / "styles" / "mine.css").write_text("p { margin: 1em }\n", encoding="utf-8")
    assert not _kept(root)
    (made,) = build(root, ["ebook"])
    assert made.rebuilt and _kept(root)


def test_after_an_edit_the_command_builds_again(built: Path):
    _edit_chapter(built)
    done = _bookforge("build", "-C", built, "ebook")
    assert done.returncode == 0, done.stderr
    assert "built ebook" in done.stderr and "bookforge.build.orchestrate" in _imported(done)
    assert _kept(built)
    forced = _bookforge("build", "-C", built, "--force", "ebook")
    assert forced.returncode == 0 and "built ebook" in forced.stderr


@pytest.mark.slow
@pytest.mark.expect_warnings("pdf-render")
def test_a_fast_no_op_reports_the_kept_warnings_and_strict_fails_on_them(tmp_path: Path):
    root = tiny_project(tmp_path / "book", print_layout="press")
    write_layout(root, "press", "extends: print\nformat: pdf\n", {"styles/press.css": ".entry-title { colr: red; }\n"})
    (made,) = build(root, ["paperback"])
    assert [w.code for w in made.warnings] == ["pdf-render"]

    kept = _bookforge("build", "-C", root, "paperback")
    assert kept.returncode == 0, kept.stderr
    assert _imported(kept) == "MODULES []"
    assert "warning[pdf-render]" in kept.stderr and "colr" in kept.stderr and "up to date: paperback" in kept.stderr
    assert [w for e in json.loads((root / "build" / "report.json").read_text())["editions"] for w in e["warnings"]]

    strict = _bookforge("build", "-C", root, "--strict", "paperback")
    assert strict.returncode == 1 and "warning[pdf-render]" in strict.stderr
    assert "nothing was written" in strict.stderr
