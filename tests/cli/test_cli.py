"""The command line as an author meets it: help, version, exit codes, messages, and no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bookforge._version import __version__
from bookforge.cli import EXIT_BUG
from tests.books import REPO


def test_help_explains_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("build", "import-text", "schema"):
        assert command in result.output
    for command in ("build", "import-text", "schema"):
        sub = cli(command, "--help")
        assert sub.exit_code == 0, sub.output
        assert "Usage: main " + command in sub.output or f"{command} [OPTIONS]" in sub.output


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"bookforge, version {__version__}"


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "bookforge", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Usage: bookforge" in result.stdout


def test_build_one_edition_prints_what_it_made(sample_project, tmp_path, cli):
    result = cli("build", "ebook", "-C", sample_project, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    epub = tmp_path / "out" / "ebook" / "a-million-miles-away.epub"
    assert epub.is_file()
    assert re.search(r"^ebook +\S+a-million-miles-away.epub +\d+ KB +6 documents", result.output, re.M)
    assert "6 documents" in result.output
    assert not (tmp_path / "out" / "paperback").exists()


def test_a_bug_in_bookforge_saves_the_traceback(sample_project, monkeypatch, cli):
    """An internal error (not the author's) says so and where the details went, with its own exit code."""
    render_module = sys.modules["bookforge.render.views"]

    def broken(*args, **kwargs):
        raise RuntimeError("simulated internal failure")

    monkeypatch.setattr(render_module, "part_view", broken)
    result = cli("build", "ebook", "-C", sample_project)
    assert result.exit_code == EXIT_BUG
    assert "this is a bug in bookforge" in result.output
    saved = Path(result.output.split("The details were saved to ")[1].split(";")[0])
    assert "simulated internal failure" in saved.read_text()
    assert "Traceback" not in result.output
    saved.unlink()


def test_failed_build_keeps_the_previous_output(sample_project, cli):
    """A good EPUB stays in place when the next build fails."""
    assert cli("build", "ebook", "-C", sample_project).exit_code == 0
    epub = sample_project / "build" / "ebook" / "a-million-miles-away.epub"
    good = epub.read_bytes()
    chapter = sample_project / "manuscript" / "01-memorable-scenes.yaml"
    chapter.write_text(chapter.read_text().replace("context:", "contxt:", 1))
    result = cli("build", "ebook", "-C", sample_project)
    assert result.exit_code == 1
    assert "did you mean `context`?" in result.output
    assert epub.read_bytes() == good
    assert [p.name for p in epub.parent.iterdir()] == [epub.name]


def test_bookforge_imports_where_fcntl_does_not_exist():
    """Windows has no fcntl: the package, the build and the command line must import without it."""
    code = ("import sys; sys.modules['fcntl'] = None\n"
            "import bookforge, bookforge.build.orchestrate, bookforge.cli, bookforge.preview.live\n"
            "print(bookforge.__version__)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_editions_command_lists_layouts_and_contents(cli):
    result = cli("editions", "-C", REPO)
    assert result.exit_code == 0, result.output
    assert "paperback  (pdf, layout paperback -> print -> base)" in result.output
    assert "entries:    only scene" in result.output
    assert "adds:       a-note-on-this-edition.yaml (frontmatter)" in result.output


def test_layouts_command_shows_where_each_setting_comes_from(cli):
    listing = cli("layouts", "-C", REPO)
    assert listing.exit_code == 0, listing.output
    assert re.search(r"^paperback\s+pdf\s+paperback -> print -> base\s+layouts/paperback$", listing.output, re.M)
    detail = cli("layouts", "paperback", "-C", REPO)
    assert re.search(r"^  ornament\s+= ◆\s+layouts/paperback/layout.yaml:6:13$", detail.output, re.M)
    assert re.search(r"^  font_size\s+= 11pt\s+\(bookforge\)/base/layout.yaml:\d+:\d+$", detail.output, re.M)
