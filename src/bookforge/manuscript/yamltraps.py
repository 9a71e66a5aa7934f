"""YAML's traps for people who write prose: text that YAML reads as a comment, an alias or a new key, found where
it happens and explained, so that no text is ever lost without a word."""

from __future__ import annotations

import re

import yaml

from bookforge.errors import Diagnostic, Location

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_KEY_LINE = re.compile(r"^(?P<indent>[ ]*)(?P<dash>(?:- +)*)(?P<key>[^\s#:'\"][^:#]*?):(?: +|$)")
# A comment after a value, written as a comment: two spaces or more before `#`, and a space (or nothing) after it.
# One space before `#`, or a letter or digit right after it, is text that YAML took for a comment (`ranked #1`).
_WRITTEN_AS_COMMENT = re.compile(r"^(?: {2,}|\t+ *)#(?: |$)")
# Where YAML can see an anchor: a value's first character after `key: `, `- `, `[`, `{` or `,`.
_MAYBE_ANCHOR = re.compile(r"(?:^|[:\-\[{,])[ \t]*&[^\s]", re.MULTILINE)


def block_hint(key: str | None) -> str:
    """How to write a value so that YAML reads it as it is."""
    block = f"`{key}: >-`" if key else "`- >-`"
    return f"put the whole value in quotes, or make it a block: {block} with the text on the next lines, indented"


# Lines that YAML's folding would run into the line before, though Markdown gives them a meaning of their own: a
# blank line (a new paragraph), a fenced block (`::: verse`), a table row, a footnote, a scene break (`* * *`).
_STRUCTURE_LINE = re.compile(r"^(:::|\||\[\^[^\]\s]+\]:|([*_-] *){3,}$)")
_BLOCK_HEADER = re.compile(r"^>([+-]?)[ \t]*(#.*)?$")


def as_written(node: yaml.ScalarNode, source: str) -> str | None:
    """The text of a folded (`>-`) or plain multi-line value as its author sees it, when YAML's folding would change
    its Markdown: folding turns a blank line into a mere line break (two paragraphs into one) and runs verse and
    block lines together. None when folding changes nothing Markdown sees (then the value is YAML's own)."""
    if node.style not in (">", "", None) or not source or node.end_mark.index > len(source):
        return None
    written = source[node.start_mark.index:node.end_mark.index]
    if "\n" not in written:
        return None
    if node.style == ">":
        header, _, body = written.partition("\n")
        chomp = _BLOCK_HEADER.match(header.strip())
        if chomp is None or chomp.group(1) == "+":  # an explicit indentation, or keep: as YAML reads it
            return None
        lines = body.split("\n")
        indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
        lines = [line[indent:] if line.strip() else "" for line in lines]
        indented = any(line.startswith((" ", "\t")) for line in lines)
    else:
        lines = [line.strip() for line in written.split("\n")]
        indented = False
    while lines and not lines[-1]:
        lines.pop()
    blank = any(not line for line in lines)
    if not (blank or indented or any(_STRUCTURE_LINE.match(line) for line in lines[1:])):
        return None
    return "\n".join(lines) + ("\n" if node.style == ">" and not chomp.group(1) else "")


def plain_traps(node: yaml.Node, parent_column: int, key: str | None, source: str, file: str) -> list[Diagnostic]:
    """Text lost after a plain (unquoted) value: the rest of its line read as a comment (`ranked #1 in...`,
    `introduction: # Heading`), or its next line, which starts with `#`, read as a comment line."""
    if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "") or not source:
        return []
    end = node.end_mark.index
    line_end = source.find("\n", end)
    line_end = len(source) if line_end == -1 else line_end
    rest = source[end:line_end]
    hash_at = rest.find("#")
    if hash_at != -1 and not rest[:hash_at].strip():  # the line goes on with a comment
        if _WRITTEN_AS_COMMENT.match(rest):
            return []
        where = _location_at(source, end + hash_at, file)
        comment = rest[hash_at:].rstrip()
        if node.value == "":
            message = f"this value is empty: YAML reads `{_short(comment)}` as a comment, not as text"
        else:
            message = f"the text stops before `{_short(comment)}`: YAML reads the rest of the line as a comment"
        return [Diagnostic("yaml-comment", message, where, block_hint(key) + "; a real comment after a value needs "
                           "two spaces before `# `")]
    if hash_at != -1:
        return []
    # The next line: text that goes on with a line starting with `#` stops before it.
    following = source[line_end + 1:]
    match = re.match(r"( *)#[^\n]*", following)
    if node.value and match and len(match.group(1)) > parent_column:
        where = _location_at(source, line_end + 1 + len(match.group(1)), file)
        return [Diagnostic("yaml-comment", f"this line starts with `#`, so YAML reads it as a comment: the text "
                           f"above stops at `{_tail(node.value)}`", where, block_hint(key))]
    return []


def anchors(text: str, file: str) -> list[Diagnostic]:
    """Every anchor (`&name`): one before text swallows its first word (`title: &amp then` is `then`)."""
    if not _MAYBE_ANCHOR.search(text):
        return []
    found = []
    for event in yaml.parse(text, Loader=_Loader):
        if getattr(event, "anchor", None) is None:
            continue
        where = _location_at(text, event.start_mark.index, file)
        if isinstance(event, yaml.ScalarEvent) and event.value:
            found.append(Diagnostic(
                "yaml-alias", f"text cannot start with `&`: YAML reads `&{event.anchor}` as an anchor and leaves it "
                "out", where, block_hint(_key_before(text, event.start_mark.index))))
        else:
            found.append(Diagnostic("yaml-alias", "YAML aliases (*name) and anchors (&name) are not allowed", where,
                                    "write the text out in full where it is needed"))
    return found


def explain_syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> Diagnostic | None:
    """A syntax error that one of the traps caused, explained; None for any other."""
    problem, context = exc.problem or "", exc.context or ""
    if "undefined alias" in problem or "scanning an alias" in context or "scanning an anchor" in context:
        mark = exc.context_mark if "scanning" in context else exc.problem_mark
        index = mark.index
        char = text[index] if index < len(text) else "*"
        word = re.match(r"[*&][^\s,\[\]{}]*", text[index:])
        written = word.group() if word else char
        kind = "alias (a reference to another value)" if char == "*" else "anchor"
        return Diagnostic("yaml-alias", f"text cannot start with `{char}`: YAML reads `{written}` as an {kind}",
                          _location_at(text, index, file), block_hint(_key_before(text, index)))
    if "mapping values are not allowed" in problem and exc.problem_mark is not None:
        index = exc.problem_mark.index
        line_start = text.rfind("\n", 0, index) + 1
        line = text[line_start:text.find("\n", index) if "\n" in text[index:] else len(text)]
        key = _KEY_LINE.match(line)
        if key and line_start + key.end() <= index:  # the colon is inside the value, after `key: `
            value = line[key.end():].rstrip()
            if '"' in value or "\\" in value:
                hint = block_hint(key.group("key"))
            else:
                hint = f"put the text in quotes: `{key.group('key')}: \"{value}\"`"
            return Diagnostic("yaml-syntax", "this text contains `: `, which YAML reads as the start of another key",
                              _location_at(text, index, file), hint)
    if ("did not find expected key" in problem or "could not find expected ':'" in problem) and exc.problem_mark:
        # A line of text that starts with `#` ended the value above it; YAML then trips over the line after.
        lines = text.splitlines()
        number = min(exc.problem_mark.line, len(lines)) - 1
        while number > 0 and not lines[number].strip():
            number -= 1
        stripped = lines[number].lstrip(" ") if number > 0 else ""
        if stripped.startswith("#"):
            indent = len(lines[number]) - len(stripped)
            above = number - 1
            while above >= 0 and (not lines[above].strip() or _indent(lines[above]) >= indent):
                above -= 1
            key = _KEY_LINE.match(lines[above]) if above >= 0 else None
            value = lines[above][key.end():].strip() if key else ""
            if key and value and not value.startswith(("#", "|", ">")):  # a plain value the comment line ended
                return Diagnostic("yaml-comment", "this line starts with `#`, so YAML reads it as a comment and the "
                                  "text above stops before it", Location(file, number + 1, indent + 1),
                                  block_hint(key.group("key")))
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_before(text: str, index: int) -> str | None:
    line_start = text.rfind("\n", 0, index) + 1
    key = _KEY_LINE.match(text[line_start:index])
    return key.group("key") if key and key.end() == index - line_start else None


def _tail(text: str) -> str:
    """The last words of a text, for a message."""
    last = text.splitlines()[-1]
    return last if len(last) <= 30 else "…" + last[-30:].split(" ", 1)[-1]


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _location_at(text: str, index: int, file: str) -> Location:
    line_start = text.rfind("\n", 0, index) + 1
    return Location(file, text.count("\n", 0, index) + 1, index - line_start + 1)
