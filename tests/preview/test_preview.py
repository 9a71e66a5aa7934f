"""`bookforge preview` in a real browser: live reload on save, located errors in the page, print pages as images."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bookforge.errors import BookforgeError
from bookforge.manuscript.load import load_book
from bookforge.preview import live
from bookforge.preview.live import Preview

CHROMIUM = Path("/usr/bin/chromium")
CHAPTER = "manuscript/01-memorable-scenes.yaml"
ORIGINAL = "we see a young man, José, gazing at the stars"
EDITED = "we see a lighthouse keeper, Ana, counting the ships"
WAIT_MS = 8000  # bound on each wait in the browser: a rebuild of the ebook takes ~0.1 s


def _start_preview(project: Path, logs: Path) -> tuple[subprocess.Popen, str]:
    stdout, stderr = logs / "preview.out", logs / "preview.err"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bookforge", "preview", "--port", "0", "-C", str(project)], stdout=out, stderr=err,
            # Ctrl-C must work even when the test runner was started with SIGINT ignored (as a background job).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"http://127\.0\.0\.1:\d+/", stdout.read_text())
        if found:
            return process, found.group(0)
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=5)
    pytest.fail(f"the preview did not start:\n{stdout.read_text()}\n{stderr.read_text()}")


@pytest.fixture
def preview_server(sample_project, tmp_path):
    """(url, process, project) of `bookforge preview --port 0` on a copy of the sample; killed if still running."""
    process, url = _start_preview(sample_project, tmp_path)
    try:
        yield url, process, sample_project
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("the preview test needs Debian's chromium: run `make test`, which installs it")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield chromium
        finally:
            chromium.close()


def _located_error(project: Path) -> str:
    """The first line bookforge itself prints for the broken project: the page must show the same."""
    with pytest.raises(BookforgeError) as caught:
        load_book(project)
    return str(caught.value.diagnostics[0]).splitlines()[0]


@pytest.mark.slow
def test_preview_reloads_on_save_shows_errors_and_print_pages(preview_server, browser, tmp_path):
    from playwright.sync_api import expect

    url, process, project = preview_server
    chapter = project / CHAPTER
    source = chapter.read_text(encoding="utf-8")
    assert ORIGINAL in source
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)

    # The index lists the editions; the ebook opens on its first document, with previous/next links.
    page.goto(url)
    expect(page.get_by_role("link", name="ebook")).to_be_visible()
    page.goto(url + "ebook/")
    expect(page).to_have_url(re.compile(r"/ebook/title-page\.xhtml$"))
    page.get_by_role("link", name="next →").first.click()
    expect(page).to_have_url(re.compile(r"/ebook/copyright-page\.xhtml$"))
    page.goto(url + "ebook/memorable-scenes.xhtml")
    expect(page.locator("body")).to_contain_text("gazing at the stars")

    # Saving a change reloads the open page, with no action in the browser.
    edited = source.replace(ORIGINAL, EDITED)
    chapter.write_text(edited, encoding="utf-8")
    expect(page.locator("body")).to_contain_text("counting the ships", timeout=WAIT_MS)
    shot = tmp_path / "ebook.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000 and shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    # A YAML mistake shows bookforge's located message in the page; fixing it brings the book back.
    chapter.write_text(edited.replace("\ntitle: ", "\ntitle: [", 1), encoding="utf-8")
    error = _located_error(project)
    assert re.match(r"manuscript/01-memorable-scenes\.yaml:\d+:\d+: error\[yaml-syntax\]", error)
    expect(page.locator("pre")).to_contain_text(error, timeout=WAIT_MS)
    chapter.write_text(edited, encoding="utf-8")
    expect(page.locator("body")).to_contain_text("counting the ships", timeout=WAIT_MS)
    expect(page.locator("pre")).to_have_count(0)

    # A print edition is laid out when first opened and shown as page images.
    page.goto(url + "pocket/")
    images = page.locator("main img")
    expect(images.first).to_be_visible(timeout=15000)
    assert images.count() > 4
    page.wait_for_function("() => [...document.images].every(image => image.complete && image.naturalWidth > 0)")

    # Ctrl-C stops the server cleanly.
    page.close()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert "Preview stopped." in (tmp_path / "preview.out").read_text()


def test_problems_in_the_page_are_escaped(sample_project):
    """Text from the author's files reaches the error page as text, never as markup."""
    chapter = sample_project / CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "- type: scene\n", "- type: scene\n  <i>why</i>: x\n", 1), encoding="utf-8")
    with Preview(sample_project) as live:
        deadline = time.monotonic() + 10
        while live.key("") == "i0" and time.monotonic() < deadline:
            live.wait(live.generation, timeout=0.5)
        body = live.respond("/ebook/memorable-scenes.xhtml").body.decode("utf-8")
    assert "error[unknown-key]" in body and "&lt;i&gt;why&lt;/i&gt;" in body and "<i>why" not in body


def test_a_kepub_edition_is_previewed_as_reflowable_text(sample_project):
    """Every reflowable format is shown as its documents, not only `epub` (a kepub was "Laying out pages" for ever)."""
    book_yaml = sample_project / "manuscript" / "book.yaml"
    book_yaml.write_text(book_yaml.read_text(encoding="utf-8") + "  kobo:\n    format: kepub\n    layout: ebook\n"
                         "    identifier: urn:isbn:9780000000057\n", encoding="utf-8")
    with Preview(sample_project, ("kobo",)) as live:
        deadline = time.monotonic() + 15
        while live.key("kobo") == "none" and time.monotonic() < deadline:
            live.wait(live.generation, timeout=0.5)
        response = live.respond("/kobo/memorable-scenes.xhtml")
    assert response.status == 200
    assert ORIGINAL in response.body.decode("utf-8")


def test_a_failure_inside_bookforge_is_shown_in_the_page_as_a_bug(sample_project, monkeypatch):
    def broken(root):
        raise RuntimeError("simulated internal failure")

    monkeypatch.setattr(live, "load_project", broken)
    with Preview(sample_project) as preview:
        deadline = time.monotonic() + 10
        while not preview.key("").startswith("p") and time.monotonic() < deadline:
            preview.wait(preview.generation, timeout=0.5)
        body = preview.respond("/").body.decode("utf-8")
    assert "error[bookforge-bug]: bookforge failed; this is a bug in bookforge, not a mistake in your book" in body
    assert "simulated internal failure" in body
