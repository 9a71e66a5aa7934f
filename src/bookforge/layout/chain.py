"""Resolve a layout: follow `extends`, merge settings checked against the base layout's declared ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bookforge.errors import (
    BookforgeError,
    Diagnostic,
    Location,
    did_you_mean,
    display_path,
)
from bookforge.formats import LAYOUT_FORMATS
from bookforge.layout.geometry import (
    MIN_OUTSIDE_WITH_BLEED,
    TRIM_PRESETS,
    bleed_points,
    parse_trim,
    to_points,
)
from bookforge.layout.house import house_layouts
from bookforge.manuscript.model import LAYOUT_NAME
from bookforge.manuscript.yamlfile import YamlDocument, read_yaml

PACKAGE_LAYOUTS = Path(__file__).parents[1] / "layouts"
BASE = "base"
LAYOUT_KEYS = ("extends", "format", "description", "settings")


@dataclass(frozen=True)
class LayoutLayer:
    """One folder of a layout chain, its files read into memory."""

    name: str
    folder: str
    templates: Mapping[str, str]
    styles: tuple[tuple[str, str], ...]
    """(file name, CSS source) in name order."""


@dataclass(frozen=True)
class Layout:
    """A resolved layout: its chain (the layout itself first, `base` last) and the merged settings."""

    name: str
    format: str | None
    chain: tuple[LayoutLayer, ...]
    settings: Mapping[str, Any]
    origins: Mapping[str, Location] = field(default_factory=dict)
    """Where each setting's value was set, by dotted name."""
    fonts: Mapping[str, bytes] = field(default_factory=dict)
    """Font files by their path inside the book (`fonts/X.otf`)."""
    description: str = ""


def layout_folders(root: Path) -> list[Path]:
    """Where layouts are looked up, in order: the project's own, its catalogue's house layouts (layout/house.py),
    then bookforge's."""
    return [root / "layouts", *house_layouts(root), PACKAGE_LAYOUTS]


def shown_path(path: Path, root: Path) -> str:
    """Project files relative to the project; bookforge's own layout files as `(bookforge)/base/...`."""
    if path.is_relative_to(PACKAGE_LAYOUTS):
        return "(bookforge)/" + path.relative_to(PACKAGE_LAYOUTS).as_posix()
    return display_path(path, root)


def available_layouts(root: Path) -> list[str]:
    return sorted({p.parent.name for folder in layout_folders(root) for p in folder.glob("*/layout.yaml")})


def load_layout(root: Path, name: str, requested_at: Location | None = None) -> Layout:
    root = root.resolve()
    docs: list[tuple[str, Path, YamlDocument]] = []
    seen: list[str] = []
    current, where, start = name, requested_at, 0
    while True:
        folder, start = _find(root, current, start, where, seen)
        doc = read_yaml(folder / "layout.yaml", shown_path(folder / "layout.yaml", root))
        _check_keys(doc)
        docs.append((current, folder, doc))
        seen.append(current)
        parent = doc.data.get("extends") if isinstance(doc.data, dict) else None
        if current == BASE and folder.parent == PACKAGE_LAYOUTS:
            break
        if parent is None:
            parent = BASE
        if not isinstance(parent, str):
            raise BookforgeError([Diagnostic("wrong-type", "`extends` should be a layout name",
                                             doc.where(("extends",)))])
        where = doc.where(("extends",))
        # A project layout may extend bookforge's layout of the same name: look further down the path then.
        start = start if parent == current else 0
        current = parent
    return _merge(root, name, docs)


def _find(root: Path, name: str, start: int, where: Location | None, seen: list[str]) -> tuple[Path, int]:
    if name in seen and start == 0:
        cycle = " -> ".join(seen + [name])
        raise BookforgeError([Diagnostic("layout-cycle", f"layouts extend each other in a circle: {cycle}", where)])
    if not LAYOUT_NAME.fullmatch(name):
        raise BookforgeError([Diagnostic("bad-layout-name", f"`{name}` is not a layout name", where,
                                         "name a layout (a folder of layouts/), not a path")])
    folders = layout_folders(root)
    for index in range(start, len(folders)):
        candidate = folders[index] / name
        if (candidate / "layout.yaml").is_file():
            return candidate, index + 1
    raise BookforgeError([Diagnostic("unknown-layout", f"there is no layout `{name}`", where,
                                     did_you_mean(name, available_layouts(root)))])


def _check_keys(doc: YamlDocument) -> None:
    if not isinstance(doc.data, dict):
        raise BookforgeError([Diagnostic("wrong-type", "layout.yaml should be a mapping (`key: value` lines)",
                                         doc.where(()))])
    problems = [Diagnostic("unknown-key", f"unknown key `{key}`", doc.where((key,), key=True),
                           did_you_mean(key, LAYOUT_KEYS))
                for key in doc.data if key not in LAYOUT_KEYS]
    fmt = doc.data.get("format")
    if fmt is not None and fmt not in LAYOUT_FORMATS:
        problems.append(Diagnostic("bad-value", f"unknown format `{fmt}`", doc.where(("format",)),
                                   did_you_mean(str(fmt), LAYOUT_FORMATS)))
    if problems:
        raise BookforgeError(problems)


def _merge(root: Path, name: str, docs: list[tuple[str, Path, YamlDocument]]) -> Layout:
    base_doc = docs[-1][2]
    settings: dict[str, Any] = dict(base_doc.data.get("settings") or {})
    origins = {key: loc for key, loc in _leaves(base_doc, settings, ("settings",))}
    problems: list[Diagnostic] = []
    for _, _, doc in reversed(docs[:-1]):
        overrides = doc.data.get("settings") or {}
        settings = _override(settings, overrides, doc, ("settings",), origins, problems)
    fmt = next((doc.data["format"] for _, _, doc in docs if doc.data.get("format")), None)
    _check_values(settings, origins, problems)
    fonts = _read_fonts(root, [folder for _, folder, _ in docs], settings, origins, problems)
    if problems:
        raise BookforgeError(problems)
    chain = tuple(_read_layer(layer_name, folder, root) for layer_name, folder, _ in docs)
    description = str(docs[0][2].data.get("description") or "")
    return Layout(name=name, format=fmt, chain=chain, settings=settings, origins=origins, fonts=fonts,
                  description=description)


def _leaves(doc: YamlDocument, value: Any, path: tuple) -> list[tuple[str, Location]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(doc, item, path + (key,))]
    return [(".".join(map(str, path[1:])), doc.where(path))]


def _override(declared: dict, overrides: Any, doc: YamlDocument, path: tuple,
              origins: dict[str, Location], problems: list[Diagnostic]) -> dict:
    if not isinstance(overrides, dict):
        problems.append(Diagnostic("wrong-type", "settings should be a mapping (`key: value` lines)", doc.where(path)))
        return declared
    merged = dict(declared)
    for key, value in overrides.items():
        here = path + (key,)
        dotted = ".".join(map(str, here[1:]))
        if key not in declared:
            problems.append(Diagnostic("unknown-setting", f"unknown setting `{dotted}`", doc.where(here, key=True),
                                       did_you_mean(key, declared)))
        elif isinstance(declared[key], dict):
            merged[key] = _override(declared[key], value, doc, here, origins, problems)
        elif not _same_type(declared[key], value):
            problems.append(Diagnostic("wrong-type", f"setting `{dotted}` should be {_type_name(declared[key])}, "
                                       f"like its default `{declared[key]}`", doc.where(here)))
        else:
            merged[key] = value
            origins[dotted] = doc.where(here)
    return merged


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return type(default) is type(value) or default is None


def _type_name(value: Any) -> str:
    return {bool: "`true` or `false`", int: "a number", float: "a number", str: "text",
            list: "a list"}.get(type(value), type(value).__name__)


# Settings whose value must be one of a few words; the base layout's defaults are among them.
CHOICES: dict[str, tuple[str, ...]] = {
    "paragraph_style": ("indented", "spaced"),
    "chapter_opening": ("small-caps", "drop-cap", "plain"),
    "running_heads.left": ("book-title", "author", "chapter", "none"),
    "running_heads.right": ("book-title", "author", "chapter", "none"),
    "pdf_variant": ("", "pdf/x-4", "pdf/x-1a", "pdf/ua-1"),
    "paper": ("white", "cream"),
}
RECTO_PARTS = ("title-page", "copyright-page", "table-of-contents", "chapter", "frontmatter", "backmatter")


def _check_values(settings: Mapping[str, Any], origins: Mapping[str, Location], problems: list[Diagnostic]) -> None:
    for dotted, choices in CHOICES.items():
        value = _get(settings, dotted)
        if value not in choices:
            problems.append(Diagnostic("bad-setting", f"setting `{dotted}` cannot be `{value}`", origins.get(dotted),
                                       did_you_mean(str(value), [c for c in choices if c])))
    if parse_trim(str(settings.get("trim", ""))) is None:
        problems.append(Diagnostic("bad-setting", f"unknown trim size `{settings.get('trim')}`", origins.get("trim"),
                                   "use a preset (" + ", ".join(TRIM_PRESETS) + ") or a size such as `140mm x 216mm`"))
    for part in settings.get("recto_starts", []):
        if part not in RECTO_PARTS:
            problems.append(Diagnostic("bad-setting", f"`recto_starts` cannot name `{part}`",
                                       origins.get("recto_starts"), did_you_mean(str(part), RECTO_PARTS)))
    problems.extend(_check_lengths(settings, origins))


def _check_lengths(settings: Mapping[str, Any], origins: Mapping[str, Location]) -> list[Diagnostic]:
    """Page lengths, and those that only make sense together: a bleed needs a wide enough outside margin."""
    problems = []
    thickness = str(settings.get("paper_thickness") or "").strip()
    if thickness and not _is_length(thickness):
        problems.append(Diagnostic("bad-setting", f"`paper_thickness` should be a length a page such as `0.0025in`, "
                                   f"not `{thickness}`", origins.get("paper_thickness")))
    try:
        bleed = bleed_points(settings)
    except ValueError:
        return problems + [Diagnostic("bad-setting", f"`bleed` should be a length such as `0.125in`, not "
                                      f"`{settings['bleed']}`", origins.get("bleed"))]
    outside = settings["margins"]["outside"]
    if not _is_length(outside):
        return problems + [Diagnostic("bad-setting", f"`margins.outside` should be a length such as `0.625in`, not "
                                      f"`{outside}`", origins.get("margins.outside"))]
    if bleed and to_points(outside) < MIN_OUTSIDE_WITH_BLEED * 72 - 0.01:
        problems.append(Diagnostic("bad-setting", f"with a bleed the outside margin must be at least "
                                   f"{MIN_OUTSIDE_WITH_BLEED}in, and `margins.outside` is {outside}",
                                   origins.get("margins.outside"),
                                   f"set `margins.outside` to {MIN_OUTSIDE_WITH_BLEED}in or more, or `bleed` to 0in"))
    return problems


def _is_length(value: str) -> bool:
    try:
        to_points(value)
    except ValueError:
        return False
    return True


def _get(settings: Mapping[str, Any], dotted: str) -> Any:
    value: Any = settings
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _read_fonts(root: Path, folders: list[Path], settings: Mapping[str, Any], origins: Mapping[str, Location],
                problems: list[Diagnostic]) -> dict[str, bytes]:
    """Font files from the project's assets/, else from the layouts' own folders (child first)."""
    fonts: dict[str, bytes] = {}
    for style, relative in (settings.get("font_files") or {}).items():
        path = next((p for p in _font_candidates(root, folders, relative) if p.is_file()), None)
        if path is None:
            problems.append(Diagnostic("font-missing", f"the font file `{relative}` is neither in the project's "
                                       "assets/ nor in a layout's folder", origins.get(f"font_files.{style}"),
                                       "put the font in the project's assets/fonts/ folder"))
            continue
        fonts[f"fonts/{path.name}"] = path.read_bytes()
    return fonts


def _font_candidates(root: Path, folders: list[Path], relative: str) -> list[Path]:
    candidates = []
    for base in [root / "assets", *folders]:
        path = (base / relative).resolve()
        # A project's files must stay inside the project; bookforge's own layouts are trusted, and a house
        # layout's fonts may be in the house folder.
        if (path.is_relative_to(root) or base.is_relative_to(PACKAGE_LAYOUTS)
                or any(path.is_relative_to(house) for house in house_layouts(root))):
            candidates.append(path)
    return candidates


def _read_layer(name: str, folder: Path, root: Path) -> LayoutLayer:
    templates = {p.relative_to(folder / "templates").as_posix(): p.read_text(encoding="utf-8")
                 for p in sorted((folder / "templates").rglob("*")) if p.is_file()}
    styles = tuple((p.name, p.read_text(encoding="utf-8")) for p in sorted((folder / "styles").glob("*.css")))
    return LayoutLayer(name=name, folder=shown_path(folder, root), templates=templates, styles=styles)
