"""The preview's own pages: the reader's chrome around ebook documents, print pages as spreads, problems, the index;
and the script that reloads an open page when what it shows has changed."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from bookforge.errors import Diagnostic
from bookforge.formats import FORMATS

XHTML = "application/xhtml+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"
PAGE_DPI = 144  # page images at 1.5 CSS pixels per pixel: sharp enough, and quick to make

# Each served page asks, over server-sent events, for the current key of what it shows, and reloads when the
# key differs from the one it was served with; so a change made before the page connected is not missed.
LIVE_JS = """(() => {
  const params = new URL(document.currentScript.src).searchParams;
  const events = new EventSource("/_preview/events?edition=" + encodeURIComponent(params.get("edition")));
  events.onmessage = (event) => {
    if (event.data !== params.get("key")) { events.close(); location.reload(); }
  };
})();
"""
CHROME_CSS = """
.bf-preview { font: 14px/1.4 system-ui, sans-serif; color: #444; background: #eeece6; display: flex; gap: 1em;
  justify-content: space-between; padding: 0.5em 1em; margin: 0 -1em; }
.bf-preview a { color: #245; }
nav.bf-preview:last-of-type { margin-top: 2em; }
body.bf-print { background: #dcdad3; margin: 0; }
body.bf-print .bf-preview { margin: 0; }
.bf-pages { display: grid; grid-template-columns: repeat(2, max-content); justify-content: center; row-gap: 24px;
  padding: 24px; }
.bf-pages img { display: block; max-width: 45vw; height: auto; background: white;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.3); }
.bf-pages img:first-child { grid-column: 2; }  /* page 1 is a recto, alone on the right */
.bf-problems { font: 14px/1.5 ui-monospace, monospace; white-space: pre-wrap; color: #900; }
body.bf-page { font: 15px/1.5 system-ui, sans-serif; max-width: 50em; margin: 0 auto; padding: 0 1em 2em; }
"""
# The reflowable ebook in a reading column, as a reading system would show it.
READER_CSS = CHROME_CSS + "\nbody { max-width: 36em; margin-left: auto; margin-right: auto; padding: 0 1em; }\n"
STATIC = {"/_preview/live.js": (LIVE_JS.encode(), "text/javascript; charset=utf-8"),
          "/_preview/chrome.css": (CHROME_CSS.encode(), "text/css; charset=utf-8"),
          "/_preview/reader.css": (READER_CSS.encode(), "text/css; charset=utf-8")}


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = HTML
    location: str | None = None



def with_reader_chrome(content: str, name: str, index: int, total: int, before, after) -> str:
    """A rendered XHTML document with the preview's stylesheet and previous/next links above and below the text."""
    links = ['<a href="/">editions</a>']
    def link(document, rel: str, label: str) -> str:
        if document is None:
            return f"<span>{label}</span>"
        return (f'<a rel="{rel}" href="{html.escape(document.href)}" title="{html.escape(document.title)}">'
                f"{label}</a>")

    links += [link(before, "prev", "← previous"), f"<span>{html.escape(name)} · {index + 1} / {total}</span>",
              link(after, "next", "next →")]
    nav = f'<nav class="bf-preview" aria-label="preview">{"".join(links)}</nav>'
    content = content.replace("</head>", '<link rel="stylesheet" type="text/css" href="/_preview/reader.css"/>'
                              "\n</head>", 1)
    content = re.sub(r"<body\b[^>]*>", lambda match: match.group(0) + nav, content, count=1)
    head, tag, tail = content.rpartition("</body>")
    return head + nav + tag + tail if tag else content


def with_live_script(content: str, name: str, key: str) -> str:
    src = html.escape(f"/_preview/live.js?edition={quote(name)}&key={key}")
    head, tag, tail = content.rpartition("</body>")
    script = f'<script src="{src}"></script>'
    return head + script + tag + tail if tag else content + script


def document(title: str, body: str, name: str, key: str, body_class: str = "bf-page") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>{html.escape(title)}</title>'
            f'<link rel="stylesheet" href="/_preview/chrome.css"/></head>\n<body class="{body_class}">\n{body}\n'
            + with_live_script("</body></html>\n", name, key))


def message_page(status: int, title: str, message: str, name: str, key: str) -> Response:
    body = f'<h1>{html.escape(title)}</h1>\n<p>{html.escape(message)}</p>\n<p><a href="/">All editions</a></p>'
    return Response(status, document(f"{title} · bookforge preview", body, name, key).encode("utf-8"))


def problems_page(problems: tuple[Diagnostic, ...], name: str, key: str) -> Response:
    errors = sum(1 for p in problems if p.severity == "error")
    lines = "\n".join(html.escape(str(problem)) for problem in problems)
    body = (f'<h1>{errors} problem{"s" if errors != 1 else ""} in the book</h1>\n'
            '<p>Fix the file and save it: this page shows the book again by itself.</p>\n'
            f'<pre class="bf-problems">{lines}</pre>')
    return Response(200, document("Problems · bookforge preview", body, name, key).encode("utf-8"))


def index_page(editions: Mapping[str, tuple[str, str]], key: str) -> Response:
    def kind(fmt: str) -> str:
        return "print, pages" if FORMATS[fmt].paged else "ebook, reflowable text"

    items = "\n".join(f'<li><a href="/{quote(name)}/">{html.escape(name)}</a> ({kind(fmt)}, layout '
                      f'<code>{html.escape(layout)}</code>)</li>' for name, (fmt, layout) in editions.items())
    body = f"<h1>bookforge preview</h1>\n<p>Editions of the book:</p>\n<ul>\n{items}\n</ul>"
    return Response(200, document("bookforge preview", body, "", key).encode("utf-8"))


def print_sheet(title: str, name: str, images: list[tuple[bytes, int, int]]) -> str:
    """The print edition's pages, as spreads: page 1 alone on the right, then 2-3, 4-5, ..."""
    scale = 96 / PAGE_DPI  # CSS pixels per image pixel: pages at their real size on a 96 dpi screen
    pages = "\n".join(f'<img src="page-{number:03d}.png" width="{round(width * scale)}" '
                      f'height="{round(height * scale)}" alt="page {number}"/>'
                      for number, (_, width, height) in enumerate(images, 1))
    nav = (f'<nav class="bf-preview" aria-label="preview"><a href="/">editions</a>'
           f"<span>{html.escape(name)} · {len(images)} pages</span></nav>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
            f"<title>{html.escape(title)} · {html.escape(name)}</title>"
            f'<link rel="stylesheet" href="/_preview/chrome.css"/></head>\n<body class="bf-print">\n{nav}\n'
            f'<main class="bf-pages">\n{pages}\n</main>\n</body></html>\n')
