"""What in a stylesheet makes a print edition be laid out whole (print/wholecss.py): rules read with tinycss2, so
that a comment or a string that mentions something does not count."""

from __future__ import annotations

import pytest

from bookforge.print.wholecss import needs_whole_book


@pytest.mark.parametrize("css", [
    '@page :right { @bottom-right { content: "of " counter(pages); } }',
    '@page { @bottom-center { content: counters( PAGES , "."); } }',
    "@page :nth(5) { margin: 1in; }",
    "@media print { h2:hover { counter-increment: chapter; } }",
    "@supports (display: grid) { @media screen { .b { counter-set: chapter 3; } } }",
    ".part.body { counter-reset: figure; }",
    ".aside-label { float: footnote; }",
    ".toc a::after { content: target-text(attr(href url)); }",
    ".head { position: running(head); }",
    "@page { @top-center { content: element(head); } }",
    ".x { & .y { counter-increment: chapter; } }",
])
def test_what_only_the_whole_book_knows_is_found(css):
    assert needs_whole_book(css)


@pytest.mark.parametrize("css", [
    "/* counter(pages) */ p { margin: 0; }",
    'p::after { content: "counter(pages)"; }',
    'p::after { content: "\\"of\\" counter(pages)"; }',
    ".a { font-family: 'float: footnote'; } /* float: footnote; position: running(x) */",
    '.a { background: url("counter(pages).png"); }',
    "/* @page :nth(3) { } */ @page :first { counter-reset: page 1; }",
    "@page chapter:nth(2 of chapter) { margin-top: 2in; }",
    ".toc a::after { content: target-counter(attr(href url), page); }",
    "ol { counter-reset: list-item; } li { counter-increment: list-item 2; } .x { counter-set: none; }",
    "p { float: left; } .x { position: relative; }",
    "@font-face { font-family: X; src: url(fonts/x.otf); }",
    "p { color: red; } }}} broken { ",
])
def test_comments_strings_and_page_local_counters_do_not_count(css):
    assert needs_whole_book(css) is None
