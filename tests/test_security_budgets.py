"""Bounded work (issue 12, section 3): a hostile layout cannot hang or exhaust the build. Templates run in a sandbox
that bounds what they make and under a time and memory budget; stylesheets may not import in circles or ask for
pages larger than printers print; settings stay within what printers print; WeasyPrint lays out under a budget too.
Every limit is a located problem (exit 1) naming the file, and the preview recovers once the file is fixed.

Before (measured): nested `range()` loops and recursive macros ran for ever or crashed with exit 70;
`{{ 'x' * 10**10 }}` took 3 GB; a stylesheet importing itself twice looped; `@page { size: 100000in }` took 2.7 GB; a
200 x 200 in trim was accepted; after a hostile template the preview's builder spun at 100% CPU."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bookforge.build.orchestrate import build
from bookforge.errors import BookforgeError
from bookforge.preview.live import Preview
from bookforge.project import load_project
from tests.security_book import (
    REPO,
    Run,
    hostile_layout,
    outputs,
    run_bookforge,
    tiny_project,
)

CHAPTER = "layouts/hostile/templates/chapter.html"
WRAP = '<section id="{{ part.id }}" class="part"><h1 id="{{ part.id }}-title">{{ part.title }}</h1>%s</section>'
SLOW = "{% for a in 'x' * 3000 %}{% for b in 'x' * 3000 %}{% for c in 'x' * 3000 %}{% endfor %}{% endfor %}{% endfor %}"

TEMPLATES = {
    "nested range loops": "{% for a in range(10000) %}{% for b in range(10000) %}.{% endfor %}{% endfor %}",
    "one huge range": "{% for a in range(10**9) %}.{% endfor %}",
    "recursive macro": "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "deep recursive loop": "{% for x in [[1]] recursive %}{{ loop([[x]]) }}{% endfor %}",
    "template including itself": '{% include "chapter.html" %}',
    "string times 10**10": "{{ 'x' * 10**10 }}",
    "list times 10**10": "{{ ['x'] * 10**10 }}",
    "a number of 10**10 digits": "{{ 10 ** (10 ** 10) }}",
    "squared numbers": "{% set ns = namespace(n=10**300) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}"
                       "{% endfor %}{{ ns.n > 0 }}",
    "percent width": "{{ '%999999999s' % 'x' }}",
    "format width": "{{ '{:999999999}'.format('x') }}",
    "format filter width": "{{ '%999999999d'|format(1) }}",
    "center filter": "{{ 'x'|center(999999999) }}",
    "replace blow-up": "{% set s = 'x' * 1000000 %}{{ s|replace('x', s) }}",
    "join with a huge separator": "{{ range(10000)|join('x' * 1000000) }}",
    "join of a generator": "{% set s = 'x' * 1000000 %}{{ range(10000)|map('string')|map('replace', '', s)|join }}",
    "translate blow-up": "{% set s = 'a' * 1000000 %}{{ s.translate({97: s}) }}",
    "json indent": "{{ [[[[1]]]]|tojson(indent=999999999) }}",
    "bytes centred": "{{ 'x'.encode().center(999999999) }}",
    "join of a repeated list": "{% set s = 'x' * 1000000 %}{{ [s, s, s, s, s, s, s, s, s, s]|join * 1000 }}",
    "doubling with ~": "{% set ns = namespace(s='x' * 1000000) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s|length }}",
    "nested lists written out": "{% set a = ['x' * 1000000] * 10 %}{% set b = [a, a, a, a, a, a, a, a, a, a] %}"
                                "{% set c = [b, b, b, b, b, b, b, b, b, b] %}{% set d = [c, c, c, c, c, c, c, c, c, c]"
                                " %}{{ [d, d, d, d, d, d, d, d, d, d] }}",
    "output of 10 GB": "{% set s = 'x' * 10000000 %}{% for i in range(1000) %}{{ s }}{% endfor %}",
    "lorem ipsum on demand": "{{ lipsum(n=100000, min=1000, max=1000) }}",
    "division by zero": "{{ 1 / 0 }}",
    "adding text to a number": "{{ 1 + 'a' }}",
    "a float too large": "{{ 10.0 ** 400 }}",
}


@pytest.mark.parametrize("body", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_a_template_that_asks_too_much_is_a_located_problem(tmp_path: Path, body: str):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"templates/chapter.html": WRAP % body})

    run = run_bookforge(root, "ebook", timeout=90, memory_gb=2.5)

    assert run.code == 1, (run.code, run.stderr[-2000:])
    # The line, except for output too long: that is the sum of the whole template.
    written = '' if body == TEMPLATES['output of 10 GB'] else ':1:1'
    assert f"{CHAPTER}{written}: error[template-" in run.stderr, run.stderr
    assert "bug in bookforge" not in run.stderr
    assert run.seconds < 60
    assert outputs(root) == []


def _run_with_render_budget(root: Path, seconds: float, *args: str, timeout: float = 60) -> Run:
    """bookforge build with RENDER_SECONDS set to `seconds` (in its own process: a template without a budget runs
    for hours, so the time limit here is what fails it)."""
    program = ("import sys; import bookforge.render.rendition as r; r.RENDER_SECONDS = float(sys.argv[1]); "
               "from bookforge.cli import main; main(sys.argv[2:])")
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(REPO / "src")}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", program, str(seconds), "build", "-C", str(root), "-j", "1", "-q",
                               "--force", *args], capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return Run(None, exc.stderr or "", time.monotonic() - started)
    return Run(done.returncode, done.stderr, time.monotonic() - started)


def test_a_template_that_runs_too_long_is_stopped_at_its_line(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"templates/chapter.html": "<section id='{{ part.id }}'>\n" + SLOW + "\n</section>"})

    run = _run_with_render_budget(root, 2, "ebook")

    assert run.code == 1, run.stderr
    assert f"{CHAPTER}:2:1: error[template-budget]: rendering the template took longer than 2 s" in run.stderr
    assert run.seconds < 20


def test_a_stylesheet_that_runs_too_long_is_stopped_too(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"styles/slow.css": "body { color: red }\n" + SLOW + "\n"})

    run = _run_with_render_budget(root, 2, "ebook")

    assert run.code == 1, run.stderr
    assert "layouts/hostile/styles/slow.css: error[template-budget]: rendering the template took longer than 2 s" \
        in run.stderr


# --- stylesheets -------------------------------------------------------------------------------------------------

STYLESHEETS = {
    "imports itself twice": ({"styles/loop.css": '@import "2-hostile-loop.css";\n@import "2-hostile-loop.css";\n'},
                             "layouts/hostile/styles/loop.css: error[unsafe-css]: `@import` of `styles/2-hostile-"
                             "loop.css` goes round in a circle"),
    "two import each other": ({"styles/a.css": '@import "2-hostile-b.css";',
                               "styles/b.css": '@import url(2-hostile-a.css);'},
                              "goes round in a circle"),
    "imports fanning out": ({f"styles/s{n}.css": f'@import "2-hostile-s{n + 1}.css"; @import "2-hostile-s{n + 1}.css";'
                             for n in range(8)} | {"styles/s8.css": "p {}"}, "pulls in more than 20 stylesheets"),
    "page of 100000in": ({"styles/big.css": "@page { size: 100000in }"},
                         "layouts/hostile/styles/big.css:1:15: error[unsafe-css]: the page size `100000in` is larger "
                         "than printers print (at most 17in a side)"),
    "first page of a0": ({"styles/big.css": "@page :first { size: a0 }"}, "the page size `a0` is larger"),
    "page inside @media": ({"styles/big.css": "@media print {\n  @page { size: 5000mm 10in }\n}"},
                           "layouts/hostile/styles/big.css:2:17: error[unsafe-css]: the page size `5000mm`"),
    "page from a variable": ({"styles/big.css": "@page { size: var(--huge) }"}, "a page size must be plain lengths"),
    "huge bleed": ({"styles/big.css": "@page { bleed: 30in }"}, "`bleed` of `30in` is more than 1in"),
}


@pytest.mark.parametrize("files, message", STYLESHEETS.values(), ids=STYLESHEETS.keys())
def test_a_stylesheet_cannot_loop_or_ask_for_a_huge_page(tmp_path: Path, files: dict[str, str], message: str):
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    hostile_layout(root, extends="print", files=files)

    run = run_bookforge(root, "paperback", timeout=90, memory_gb=2.5)

    assert run.code == 1, (run.code, run.stderr[-2000:])
    assert message in run.stderr, run.stderr
    assert outputs(root) == []


# --- settings ----------------------------------------------------------------------------------------------------

SETTINGS = {
    "trim": ("  trim: 200in x 200in\n", "layouts/hostile/layout.yaml:3:9: error[bad-setting]: a trim of 200 x 200 in "
             "is "
             "not a book printers print: each side must be 2 to 17 in"),
    "tiny trim": ("  trim: 10mm x 10mm\n", "a trim of 0.393701 x 0.393701 in is not a book printers print"),
    "margins wider than the page": ("  margins:\n    outside: 5in\n", "layouts/hostile/layout.yaml:4:14: error["
                                    "bad-setting]: the margins leave a text block of 0.12 in on a 6in x 9in page"),
    "bleed": ("  bleed: 10in\n", "a bleed of 10in is more than printers ask for"),
    "font size": ("  font_size: 1000pt\n", "`font_size` should be a length from 4pt to 72pt, not `1000pt`"),
    "font size not a length": ("  font_size: huge\n", "`font_size` should be a length"),
    "leading": ("  leading: 500\n", "`leading` should be a number from 0.8 to 4, not `500`"),
    "paper thickness": ("  paper_thickness: 10in\n", "a paper 10in thick is not a book's paper"),
    "margin not a length": ("  margins:\n    top: '1in; } @import url(http://127.0.0.1:9/); x {'\n",
                            "`margins.top` should be a length"),
}


@pytest.mark.parametrize("settings, message", SETTINGS.values(), ids=SETTINGS.keys())
def test_page_settings_stay_within_what_printers_print(tmp_path: Path, settings: str, message: str):
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    hostile_layout(root, extends="print", settings=settings)

    with pytest.raises(BookforgeError) as caught:
        load_project(root)

    assert any(message in str(problem) for problem in caught.value.diagnostics), caught.value


# --- WeasyPrint's layout ----------------------------------------------------------------------------------------

# WeasyPrint interrupted in the middle of writing one of its temporary files leaves it to the garbage collector.
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("limit", ["LAYOUT_SECONDS", "LAYOUT_MEMORY"])
def test_laying_out_pages_has_a_budget(tmp_path: Path, monkeypatch, limit: str):
    """The budget a real book never reaches (15 minutes, 3 GB), made small enough for a tiny book to run over it."""
    from bookforge.print import writer

    monkeypatch.setattr(writer, "LAYOUT_SECONDS", 0.05)
    paragraphs = "\n\n".join(f"Paragraph {n} of a long scene." for n in range(300))
    root = tiny_project(tmp_path / "project", print_layout="hostile", chapter=(
        "title: Long\nentries:\n- type: scene\n  title: Pages\n  text: |\n    "
        + paragraphs.replace("\n", "\n    ") + "\n  context: Many pages.\n"))
    hostile_layout(root, extends="print", settings="  chunked: false\n",
                   files={"styles/many.css": "p { break-after: page }\n"})

    if limit == "LAYOUT_SECONDS":
        with pytest.raises(BookforgeError) as caught:
            build(root, ["paperback"])
        (problem,) = caught.value.diagnostics
        assert problem.code == "layout-budget" and str(problem.location) == "layouts/hostile (edition `paperback`)"
        assert problem.message == "laying out the pages took longer than 0.05 s"
        return
    # Memory growth is measured from where the process stands: in a fresh one, where no freed memory is at hand.
    code = ("import sys; from bookforge.print import writer; writer.LAYOUT_MEMORY = 1024 * 1024\n"
            "from bookforge.cli import main; main(['build', '-C', sys.argv[1], '-j', '1', 'paperback'])")
    run = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert ("layouts/hostile (edition `paperback`): error[layout-budget]: laying out the pages used more than 1 MB "
            "of memory") in run.stderr


# --- the preview ------------------------------------------------------------------------------------------------

def _wait_for(live: Preview, path: str, text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        body = live.respond(path).body.decode("utf-8")
        if text in body:
            return body
        live.wait(live.generation, timeout=0.5)
    raise AssertionError(f"`{text}` never appeared in {path}:\n{body[:2000]}")


@pytest.mark.parametrize("hostile", ["slow", "nested ranges"])
def test_the_preview_shows_the_problem_and_recovers_when_the_file_is_fixed(tmp_path: Path, monkeypatch, hostile: str):
    from bookforge.render import rendition

    monkeypatch.setattr(rendition, "RENDER_SECONDS", 2.0)
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    body = SLOW if hostile == "slow" else TEMPLATES["nested range loops"]
    folder = hostile_layout(root, files={"templates/chapter.html": WRAP % body})

    with Preview(root, ("ebook",)) as live:
        shown = _wait_for(live, "/ebook/chapter.xhtml", f"{CHAPTER}:1:1: error[template-")
        assert ("error[template-budget]" if hostile == "slow" else "error[template-limit]") in shown
        # The builder is idle again, not spinning: the process uses little CPU while nothing changes.
        before = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(1.5)
        after = resource.getrusage(resource.RUSAGE_SELF)
        assert (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime) < 0.5
        (folder / "templates" / "chapter.html").write_text(WRAP % "<p>Fixed at last.</p>", encoding="utf-8")
        fixed = _wait_for(live, "/ebook/chapter.xhtml", "Fixed at last.")
    assert "error[" not in fixed


def test_a_rendering_that_grows_too_much_is_stopped(tmp_path: Path):
    """1 GB of growth for a real book (which needs a few MB), made small enough for this test. The build runs in a
    fresh process, as `bookforge build` does: in a long-lived one (this test session) glibc serves large strings
    from memory already resident, which the budget, measuring the process's growth, cannot see."""
    # 64 MB of text kept while the template goes on working (each value under the sandbox's own limits).
    grow = ("{% set a = 'a' * 15000000 %}{% set b = 'b' * 15000000 %}{% set c = 'c' * 15000000 %}"
            "{% set d = 'd' * 15000000 %}{% for x in 'x' * 3000 %}{% for y in 'x' * 3000 %}{% endfor %}{% endfor %}"
            "{{ (a ~ b)|length }}")
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    hostile_layout(root, files={"templates/chapter.html": WRAP % grow})
    program = ("import sys; from pathlib import Path; from bookforge.render import rendition; "
               "from bookforge.build.orchestrate import build; from bookforge.errors import BookforgeError\n"
               "rendition.RENDER_MEMORY = 32 * 1024 * 1024\n"
               "try:\n    build(Path(sys.argv[1]), ['ebook'])\n"
               "except BookforgeError as caught:\n"
               "    print('\\n'.join(f'{p.code}|{p.location}|{p.message}' for p in caught.diagnostics))")
    done = subprocess.run([sys.executable, "-c", program, str(root)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")}, timeout=300)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"template-budget|{CHAPTER}:1:1|"
                                   "rendering the template used more than 32 MB of memory")


def test_a_cover_template_may_ask_for_a_wrap_but_no_larger(tmp_path: Path):
    root = tiny_project(tmp_path / "project", print_layout="hostile")
    cover = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>x</title>'
             "<style>@page { size: 60in 9in }</style></head><body><p>{{ book.title }}</p></body></html>")
    hostile_layout(root, extends="print", files={"templates/cover.html": cover})

    with pytest.raises(BookforgeError) as caught:
        build(root, ["paperback"])

    (problem,) = caught.value.diagnostics
    assert problem.code == "unsafe-markup"
    assert str(problem.location).startswith("layouts/hostile/templates/cover.html:1:")
    assert "the page size `60in` is larger than printers print (at most 48in a side)" in problem.message


def test_a_layout_folder_of_thousands_of_templates_is_refused(tmp_path: Path):
    root = tiny_project(tmp_path / "project", ebook_layout="hostile")
    folder = hostile_layout(root)
    for n in range(501):
        (folder / "templates" / f"t{n}.html").write_text("x", encoding="utf-8")

    with pytest.raises(BookforgeError) as caught:
        load_project(root)

    assert [str(d).splitlines()[0] for d in caught.value.diagnostics] == [
        "layouts/hostile/templates: error[file-too-large]: `layouts/hostile/templates` is larger than 500 bytes "
        "(more than 500 files)"]
