"""The check of a text at load (prose.survey) skips the parser for a text that has nothing it checks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bookforge.manuscript import prose

# Markdown's other punctuation, line breaks and letters: everything but `[`, `<` and `:::`.
_TEXT = st.lists(st.sampled_from([*"ab *_!^{}()#>-+=|.\\`~\"'0123456789\n:", " ::", "\n\n", "    ", "1. ", "- "]),
                 max_size=60).map("".join).filter(lambda text: ":::" not in text)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.booleans())
def test_a_text_without_links_images_notes_spans_or_blocks_has_no_problems(text, inline):
    env: dict = {}
    checker = prose._checker()
    if inline:
        problems = []
        for token in checker.parseInline(text, env):
            prose._check_inline(token, problems)
        assert problems == []
    else:
        checker.parse(text, env)
        assert env.get("problems", []) == [] and env.get("images", []) == []
    assert prose.survey(text, inline=inline) == ([], [])


def test_a_text_with_any_of_them_is_checked():
    assert prose.survey("An image ![](a.png) mid-paragraph.")[0]
    assert prose.survey("A note.[^1]")[0]
    assert prose.survey("::: versee\nA line.\n:::")[0]
