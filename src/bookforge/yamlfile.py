"""Read YAML into plain data while remembering where every value came from."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import BookforgeError, Diagnostic, Location

try:  # libyaml's composer is ~30x faster than the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Only the plain YAML 1.1 types: an application tag such as !!python/object is refused, never constructed.
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain data from one YAML file, with the location of each value and each mapping key."""

    file: str
    data: object
    values: dict[Path_, Location] = field(default_factory=dict)
    keys: dict[Path_, Location] = field(default_factory=dict)

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


def read_yaml(path: Path, shown_as: str) -> YamlDocument:
    """Parse `path`; any problem becomes a located BookforgeError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BookforgeError([Diagnostic("file-missing", "file not found", Location(shown_as))]) from None
    except OSError as exc:
        raise BookforgeError([Diagnostic("file-unreadable", exc.strerror or str(exc), Location(shown_as))]) from None
    return parse_yaml(raw, shown_as)


def parse_yaml(raw: bytes, shown_as: str) -> YamlDocument:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BookforgeError([Diagnostic(
            "not-utf8", f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
            Location(shown_as, line, 1), "save the file with UTF-8 encoding")]) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(shown_as, mark.line + 1, mark.column + 1) if mark else Location(shown_as)
        problem = exc.problem or exc.context or "malformed YAML"
        raise BookforgeError([Diagnostic("yaml-syntax", f"malformed YAML: {problem}", loc,
                                         "check the indentation and that text containing `: ` is quoted")]) from None
    except yaml.YAMLError as exc:
        raise BookforgeError([Diagnostic("yaml-syntax", f"malformed YAML: {exc}", Location(shown_as))]) from None
    doc = YamlDocument(shown_as, None)
    if node is None:
        doc.data = {}
        doc.values[()] = Location(shown_as, 1, 1)
        return doc
    problems: list[Diagnostic] = []
    doc.data = _construct(node, (), doc, problems)
    if problems:
        raise BookforgeError(problems)
    return doc


def _loc(doc: YamlDocument, node: yaml.Node) -> Location:
    return Location(doc.file, node.start_mark.line + 1, node.start_mark.column + 1)


def _construct(node: yaml.Node, path: Path_, doc: YamlDocument, problems: list[Diagnostic]) -> object:
    loc = _loc(doc, node)
    doc.values[path] = loc
    if getattr(node, "anchor", None):
        # Aliases make a few hundred bytes expand into gigabytes ("billion laughs"); manuscripts don't need them.
        problems.append(Diagnostic("yaml-alias", "YAML anchors and aliases (&name, *name) are not allowed", loc,
                                   "write the text out in full where it is needed"))
        return None
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            problems.append(_bad_tag(node, loc))
            return None
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key_loc = _loc(doc, key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (_STR, _INT, _BOOL, _FLOAT):
                problems.append(Diagnostic("yaml-key", "a key must be a plain word", key_loc))
                continue
            key = key_node.value
            if key == "<<":
                problems.append(Diagnostic("yaml-alias", "YAML merge keys (<<) are not allowed", key_loc))
                continue
            if key in result:
                first = doc.keys[path + (key,)]
                problems.append(Diagnostic("duplicate-key", f"`{key}` is given twice (first at line {first.line})",
                                           key_loc, "remove one of them: YAML would silently keep only the last"))
                continue
            doc.keys[path + (key,)] = key_loc
            result[key] = _construct(value_node, path + (key,), doc, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            problems.append(_bad_tag(node, loc))
            return None
        return [_construct(item, path + (i,), doc, problems) for i, item in enumerate(node.value)]
    if node.value == "" and node.tag == _NULL:
        return None
    if node.tag == _STR or node.tag == _TIMESTAMP:
        return unicodedata.normalize("NFC", node.value)
    if node.tag in (_INT, _FLOAT, _BOOL, _NULL):
        return yaml.load(node.value, Loader=_Loader) if node.tag != _STR else node.value
    problems.append(_bad_tag(node, loc))
    return None


def _bad_tag(node: yaml.Node, loc: Location) -> Diagnostic:
    return Diagnostic("yaml-tag", f"the YAML tag `{node.tag}` is not allowed", loc,
                      "remove the tag: only plain text, numbers, lists and mappings are read")
