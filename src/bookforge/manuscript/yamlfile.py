"""Read YAML into plain data while remembering where every value came from."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.files import MISSING, TOO_LARGE, Refused, read_inside, refusal
from bookforge.manuscript.yamltraps import (
    anchors,
    as_written,
    explain_syntax_error,
    plain_traps,
)

try:  # libyaml's composer is ~30x faster than the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Only the plain YAML 1.1 types: an application tag such as !!python/object is refused, never constructed.
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"

Path_ = tuple[str | int, ...]

# Limits that keep a hostile or broken file from hanging the build or eating the machine's memory. A long novel
# is ~1 MB of text; each limit is far above what a real book needs (README, "Security").
MAX_FILE_BYTES = 2 * 1024 * 1024
"""A YAML file larger than this is refused before it is parsed."""
MAX_TEXT_CHARS = 500_000
"""One text value (a title, a chapter's text): ~85,000 words, ~280 printed pages; a long chapter is ~60,000."""
MAX_DEPTH = 20
"""Nesting of lists and mappings; bookforge's own files need 5."""

# Characters XML 1.0 cannot hold (C0 controls but tab and line ends, lone surrogates, U+FFFE/U+FFFF), plus
# DEL, C1 controls and the other noncharacters, which no reading system shows and some choke on.
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef"
                           + "".join(f"\\U{plane:04x}fffe\\U{plane:04x}ffff" for plane in range(17)) + "]")
_MAY_BE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                         "\U0001fffe-\U0010ffff]")
"""BAD_CHARACTER's characters and every one from U+1FFFE on: a class of ranges, which re scans ~10x faster than
BAD_CHARACTER's 34 single characters beyond the BMP (~0.05 s over a novel's text)."""


def bad_character(text: str) -> str | None:
    """The first character of `text` that BAD_CHARACTER matches, if any."""
    for found in _MAY_BE_BAD.finditer(text):
        if BAD_CHARACTER.match(found.group()):
            return found.group()
    return None


@dataclass
class YamlDocument:
    """Plain data from one YAML file, with the location of each value and each mapping key."""

    file: str
    data: object
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)
    source: str = ""
    """The decoded text, to locate characters inside a value."""

    def where(self, path: Path_, *, key: bool = False) -> Location:
        """The closest known location of `path` (falls back to its parents)."""
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), Location(self.file, 1, 1))


def read_yaml(path: Path, shown_as: str, root: Path | None = None) -> YamlDocument:
    """Parse `path`, which must stay inside `root` (its own folder by default; see bookforge.files); any problem
    becomes a located BookforgeError."""
    return parse_yaml(read_source(path, shown_as, root), shown_as)


def read_source(path: Path, shown_as: str, root: Path | None = None) -> bytes:
    """The bytes of a manuscript or layout file, read by bookforge.files' rule (inside `root`, a regular file, at
    most MAX_FILE_BYTES); a refusal is a located BookforgeError."""
    root = (root or path.parent).resolve()
    try:
        return read_inside(root, path.absolute(), MAX_FILE_BYTES)
    except Refused as exc:
        if exc.kind == MISSING:
            raise BookforgeError([Diagnostic("file-missing", "file not found", Location(shown_as))]) from None
        if exc.kind == TOO_LARGE:
            raise BookforgeError([Diagnostic(
                "file-too-large", f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", Location(shown_as),
                "split it into several chapter files")]) from None
        raise BookforgeError([refusal(exc, shown_as, None, MAX_FILE_BYTES)]) from None


def parse_yaml(raw: bytes, shown_as: str) -> YamlDocument:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        where = Location(shown_as, raw.count(b"\n", 0, exc.start) + 1, exc.start - line_start + 1)
        raise BookforgeError([Diagnostic(
            "not-utf8", f"the file is not saved as UTF-8: the character here (byte 0x{raw[exc.start]:02x}) "
            "cannot be read", where, "save the file with the UTF-8 encoding (in most editors: Save As, Encoding)")]
        ) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise BookforgeError([_syntax_diagnostic(exc, text, shown_as)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML itself refuses, written as it is
        where = _location_at(text, exc.position, shown_as)
        raise BookforgeError([_bad_character_diagnostic(chr(exc.character), where)]) from None
    except yaml.YAMLError as exc:
        raise BookforgeError([Diagnostic("yaml-syntax", f"malformed YAML: {exc}", Location(shown_as))]) from None
    doc = YamlDocument(shown_as, None, source=text)
    if node is None:
        doc.data = {}
        doc.values[()] = Location(shown_as, 1, 1)
        return doc
    problems: list[Diagnostic] = []
    try:
        doc.data = _construct(node, (), doc, problems, set())
    except _AliasFound:
        first_uses = {}  # one diagnostic per anchor: where it is first used
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) and event.anchor not in first_uses:
                first_uses[event.anchor] = Location(shown_as, event.start_mark.line + 1, event.start_mark.column + 1)
        problems = [_alias_diagnostic(loc) for loc in first_uses.values()]
    except _TooDeep as exc:
        problems = [Diagnostic("too-deep", f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                               exc.location, _TOO_DEEP_HINT)]
    else:
        problems += anchors(text, shown_as)
    if problems:
        raise BookforgeError(problems)
    return doc


def _loc(doc: YamlDocument, node: yaml.Node) -> Location:
    return Location(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)


_TOO_DEEP_HINT = "a manuscript file needs only a few levels; check the indentation"


class _TooDeep(Exception):
    def __init__(self, location: Location):
        self.location = location


class _AliasFound(Exception):
    """A node was reached twice: the composer resolved an alias (`*name`) to the node it names."""


def _alias_diagnostic(loc: Location) -> Diagnostic:
    return Diagnostic("yaml-alias", "YAML aliases (*name) and anchors (&name) are not allowed", loc,
                      "write the text out in full where it is needed")


def _construct(node: yaml.Node, path: Path_, doc: YamlDocument, problems: list[Diagnostic], seen: set[int]) -> object:
    # Composed nodes keep no anchor, but an alias is the very node it names. Refusing a node seen before stops
    # a few hundred bytes from expanding into gigabytes ("billion laughs") and recursive aliases from looping.
    if id(node) in seen:
        raise _AliasFound
    seen.add(id(node))
    loc = _loc(doc, node)
    doc.values[path] = loc
    if len(path) > MAX_DEPTH:  # libyaml stops at 1000 levels, long after Python's recursion limit
        raise _TooDeep(loc)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            problems.append(_bad_tag(node, loc))
            return None
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key_loc = _loc(doc, key_node)
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<":
                problems.append(Diagnostic("yaml-alias", "YAML merge keys (<<) are not allowed", key_loc))
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (_STR, _INT, _BOOL, _FLOAT):
                problems.append(Diagnostic("yaml-key", "a key must be a plain word", key_loc))
                continue
            key = key_node.value
            if key in result:
                first = doc.keys[path + (key,)]
                problems.append(Diagnostic("duplicate-key", f"`{key}` is given twice (first at line {first.line})",
                                           key_loc, "remove one of them: YAML would silently keep only the last"))
                continue
            doc.keys[path + (key,)] = key_loc
            problems += plain_traps(value_node, key_node.start_mark.column, str(key), doc.source, doc.file)
            result[key] = _construct(value_node, path + (key,), doc, problems, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            problems.append(_bad_tag(node, loc))
            return None
        for item in node.value:
            problems += plain_traps(item, node.start_mark.column, None, doc.source, doc.file)
        return [_construct(item, path + (i,), doc, problems, seen) for i, item in enumerate(node.value)]
    if node.value == "" and node.tag == _NULL:
        return None
    if node.tag == _STR or node.tag == _TIMESTAMP:
        return _text(node, loc, doc, problems)
    if node.tag in (_INT, _FLOAT, _BOOL, _NULL):
        return yaml.load(node.value, Loader=_Loader)
    problems.append(_bad_tag(node, loc))
    return None


def _text(node: yaml.ScalarNode, loc: Location, doc: YamlDocument, problems: list[Diagnostic]) -> str | None:
    """A text value, NFC-normalised, if it is not too long and holds only characters a book can carry."""
    value = as_written(node, doc.source) or node.value
    if len(value) > MAX_TEXT_CHARS:
        problems.append(Diagnostic("text-too-long", f"this text is {len(value):,} characters long; at most "
                                   f"{MAX_TEXT_CHARS:,} are allowed in one value", loc,
                                   "split the chapter into several chapter files"))
        return None
    bad = bad_character(value)
    if bad is not None:
        problems.append(_bad_character_diagnostic(bad, _find_in_source(node, bad, doc) or loc))
        return None
    return unicodedata.normalize("NFC", value)


def _bad_character_diagnostic(char: str, where: Location) -> Diagnostic:
    code = f"U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        what = f"the character {code} (half of a UTF-16 surrogate pair, not a character on its own)"
    elif unicodedata.category(char) == "Cc":
        name = _CONTROL_NAMES.get(char)
        what = f"the invisible control character {code}" + (f" ({name})" if name else "")
    else:
        what = f"the character {code} (a noncharacter)"
    return Diagnostic("bad-character", f"{what} cannot be used in a book", where,
                      "delete it (most editors do not show it; search for it by its code)")


_CONTROL_NAMES = {"\x00": "null", "\x08": "backspace", "\x0b": "vertical tab", "\x0c": "form feed",
                  "\x1b": "escape", "\x7f": "delete"}


# Escapes of double-quoted YAML, with the character each one stands for.
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0abtnvfre \"/N_LP\t])")
_SIMPLE_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
                   "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
                   "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def _find_in_source(node: yaml.ScalarNode, char: str, doc: YamlDocument) -> Location | None:
    """Where `char` is written inside the scalar: as itself, or as a `\\x..`/`\\u....` escape in double quotes."""
    source = doc.source
    start, end = node.start_mark.index, node.end_mark.index
    if not source or end > len(source):
        return None
    found = source.find(char, start, end)
    if node.style == '"':
        for match in _ESCAPE.finditer(source, start, end):
            if found != -1 and match.start() > found:
                break
            if _unescape(match.group(1)) == char:
                found = match.start()
                break
    return _location_at(source, found, doc.file) if found != -1 else None


def _unescape(escape: str) -> str:
    if escape[0] in "xuU":
        return chr(int(escape[1:], 16))
    return _SIMPLE_ESCAPES.get(escape, "")


def _location_at(text: str, index: int, shown_as: str) -> Location:
    line_start = text.rfind("\n", 0, index) + 1
    return Location(shown_as, text.count("\n", 0, index) + 1, index - line_start + 1)


def _bad_tag(node: yaml.Node, loc: Location) -> Diagnostic:
    written = node.tag.replace("tag:yaml.org,2002:", "!!", 1)  # as the author wrote it
    return Diagnostic("yaml-tag", f"the YAML tag `{written}` is not allowed", loc,
                      "remove the tag: only plain text, numbers, lists and mappings are read")


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, text: str, shown_as: str) -> Diagnostic:
    """libyaml's complaint in words an author knows, at the place to fix."""
    explained = explain_syntax_error(exc, text, shown_as)
    if explained is not None:
        return explained
    problem = exc.problem or exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    char = text[mark.index] if mark and mark.index < len(text) else ""
    message, hint = f"malformed YAML: {problem}", "check the indentation and that text containing `: ` is quoted"
    if char == "\t" or "tab" in problem:
        message, hint = "a tab is used here; YAML indents with spaces only", "replace the tab with spaces"
    elif "mapping values are not allowed" in problem:
        message = "unexpected `:` here"
        hint = "indent this line like the lines above it, or put text that contains `: ` in quotes"
    elif "did not find expected key" in problem or "expected '-' indicator" in problem:
        message = "this line is not indented like the lines above it"
        hint = "line it up with the other keys (or `- ` items) at its level"
    elif "cannot start any token" in problem:
        message, hint = f"text cannot start with `{char}`", "put the text in quotes"
    elif "quoted scalar" in (exc.context or "") and "end of stream" in problem:
        message, hint = "this quotation mark is never closed", "add the closing quote"
        mark = exc.context_mark
    elif "unknown escape character" in problem:
        message = "unknown backslash escape in double-quoted text"
        hint = "write `\\\\` for a backslash, or use single quotes"
    elif "invalid Unicode character escape" in problem:
        message = "this `\\u` escape names no character (half of a surrogate pair, or beyond U+10FFFF)"
        hint = "write the character itself, or its full code point, e.g. `\\U0001F600`"
    elif "maximum nesting depth" in problem:  # libyaml's own limit, far above MAX_DEPTH
        return Diagnostic("too-deep", f"lists and mappings are nested more than {MAX_DEPTH} levels deep",
                          Location(shown_as, mark.line + 1, mark.column + 1), _TOO_DEEP_HINT)
    elif "undefined alias" in problem:
        return _alias_diagnostic(Location(shown_as, mark.line + 1, mark.column + 1))
    elif "another document" in problem:
        message, hint = "the file holds more than one YAML document", "remove the `---` line"
    loc = Location(shown_as, mark.line + 1, mark.column + 1) if mark else Location(shown_as)
    return Diagnostic("yaml-syntax", message, loc, hint)
