"""Resolve a layout: follow `extends`, merge settings checked against the base layout's declared ones."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bookforge.errors import (
    BookforgeError,
    Diagnostic,
    Location,
    did_you_mean,
    display_path,
)
from bookforge.files import MISSING, Refused, files_under, inside, read_inside, refusal
from bookforge.formats import LAYOUT_FORMATS
from bookforge.layout.fontcheck import UnreadableFont, font_coverage
from bookforge.layout.geometry import TRIM_PRESETS, check_page_settings, parse_trim
from bookforge.layout.house import CATALOGUE_FILE as CATALOGUE
from bookforge.layout.house import HOUSE, house_layouts, house_name
from bookforge.manuscript.model import LAYOUT_NAME
from bookforge.manuscript.yamlfile import YamlDocument, read_yaml

PACKAGE_LAYOUTS = Path(__file__).parents[1] / "layouts"
BASE = "base"
LAYOUT_KEYS = ("extends", "format", "description", "settings")
# What a layout's folder may hold (bookforge.files applies them before anything is read): templates and stylesheets
# are a few KB each, a font a few hundred KB (a CJK font ~20 MB).
MAX_LAYOUT_FILE_BYTES = 1024 * 1024
MAX_LAYOUT_FILES = 500
"""Files in a layout's templates/ or styles/ folder."""
MAX_FONT_BYTES = 32 * 1024 * 1024
FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
FONT_SIGNATURES = (b"OTTO", b"\x00\x01\x00\x00", b"true", b"wOFF", b"wOF2")


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
    coverage: Mapping[str, frozenset[int]] = field(default_factory=dict)
    """The code points each of the project's own font files maps (not those of bookforge's layouts)."""
    description: str = ""


def layout_folders(root: Path) -> list[Path]:
    """Where layouts are looked up, in order: the project's own, its catalogue's house layouts (layout/house.py),
    then bookforge's."""
    return [root / "layouts", *house_layouts(root), PACKAGE_LAYOUTS]


def shown_path(path: Path, root: Path) -> str:
    """Project files relative to the project (as named, a symbolic link not followed); bookforge's own layout files
    as `(bookforge)/base/...`."""
    if path.is_relative_to(PACKAGE_LAYOUTS):
        return "(bookforge)/" + path.relative_to(PACKAGE_LAYOUTS).as_posix()
    if path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return display_path(path, root)


def available_layouts(root: Path) -> list[str]:
    """Every layout name the project can use: plain names, and `house/NAME` for its house's layouts."""
    plain = {p.parent.name for folder in layout_folders(root) for p in folder.glob("*/layout.yaml")}
    return sorted(plain | {f"{HOUSE}/{p.parent.name}" for house in house_layouts(root)
                           for p in house.glob("*/layout.yaml")})


def load_layout(root: Path, name: str, requested_at: Location | None = None,
                fonts_read: MutableMapping[str, str] | None = None) -> Layout:
    """The layout `name` of the project at `root`; `fonts_read` keeps, across builds, the font files (by hash)
    fontTools read whole and what they map: such a file is not read again (layout/fontcheck.py)."""
    root = root.resolve()
    docs: list[tuple[str, Path, YamlDocument]] = []
    seen: list[str] = []
    current, where, start = name, requested_at, 0
    while True:
        folder, start = _find(root, current, start, where, seen)
        if any(folder == known for _, known, _ in docs):  # `house/print` and `print` may name one folder
            raise BookforgeError([Diagnostic("layout-cycle", "layouts extend each other in a circle: "
                                             + " -> ".join(seen + [current]), where)])
        doc = read_yaml(folder / "layout.yaml", shown_path(folder / "layout.yaml", root), folder)
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
        # A project layout may extend bookforge's layout of the same name (a house's `print` the next `print` too):
        # look further down the path then.
        start = start if parent == (house_name(current) or current) else 0
        current = parent
    return _merge(root, name, docs, fonts_read)


def _find(root: Path, name: str, start: int, where: Location | None, seen: list[str]) -> tuple[Path, int]:
    if name in seen and start == 0:
        cycle = " -> ".join(seen + [name])
        raise BookforgeError([Diagnostic("layout-cycle", f"layouts extend each other in a circle: {cycle}", where)])
    folders = layout_folders(root)
    bare = house_name(name)
    if not LAYOUT_NAME.fullmatch(bare if bare is not None else name):
        close = did_you_mean(name, [n for n in available_layouts(root) if "/" in n]) if "/" in name else None
        raise BookforgeError([Diagnostic("bad-layout-name", f"`{name}` is not a layout name", where,
                                         close if close and close.startswith("did you mean") else
                                         "name a layout (letters, digits, `-` and `_`), such as `ebook` or `print`, "
                                         f"or a layout of the press's house folder as `{HOUSE}/print`; a project's "
                                         "own layouts live in its layouts/ folder")])
    if bare is not None:
        return _find_in_house(root, name, bare, where, folders)
    for index in range(start, len(folders)):
        candidate = folders[index] / name
        if (candidate / "layout.yaml").is_file():
            if folders[index] == PACKAGE_LAYOUTS:
                return candidate, index + 1
            # A project's layout folder may not be a symbolic link out of the project, nor a house layout (a
            # catalogue's, layout/house.py) one out of the house folder.
            base = root if folders[index].is_relative_to(root) else folders[index]
            try:
                return inside(base, candidate.relative_to(base)), index + 1
            except Refused:
                raise BookforgeError([Diagnostic("path-outside", f"layout `{name}` is a symbolic link to a folder "
                                                 "outside the project", where, "copy the layout into the project's "
                                                 "layouts/ folder")]) from None
    raise BookforgeError([Diagnostic("unknown-layout", f"there is no layout `{name}`", where,
                                     did_you_mean(name, available_layouts(root)))])


def _find_in_house(root: Path, name: str, bare: str, where: Location | None,
                   folders: list[Path]) -> tuple[Path, int]:
    """`house/NAME`: a layout of the house folder of the catalogue that lists the project (layout/house.py), and
    of no other folder; then the layouts below the house (bookforge's), as for a plain name found there."""
    houses = house_layouts(root)
    if not houses:
        raise BookforgeError([Diagnostic("unknown-layout", f"there is no layout `{name}`: the book is not listed by "
                                         f"a {CATALOGUE} that names a `house:` folder", where,
                                         "list the book under `books:` in the press's catalogue.yaml, or name the "
                                         f"layout plainly (`{bare}`)")])
    house = houses[0]
    if not (house / bare / "layout.yaml").is_file():
        raise BookforgeError([Diagnostic("unknown-layout", f"there is no layout `{name}`: the house folder has no "
                                         f"`{bare}`", where,
                                         did_you_mean(name, [f"{HOUSE}/{p.parent.name}"
                                                             for p in house.glob("*/layout.yaml")]))])
    try:
        return inside(house, bare), folders.index(house) + 1
    except Refused:
        raise BookforgeError([Diagnostic("path-outside", f"layout `{name}` is a symbolic link to a folder outside "
                                         "the house folder", where)]) from None


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


def _merge(root: Path, name: str, docs: list[tuple[str, Path, YamlDocument]],
           fonts_read: MutableMapping[str, str] | None) -> Layout:
    base_doc = docs[-1][2]
    settings: dict[str, Any] = dict(base_doc.data.get("settings") or {})
    origins = {key: loc for key, loc in _leaves(base_doc, settings, ("settings",))}
    problems: list[Diagnostic] = []
    for _, _, doc in reversed(docs[:-1]):
        overrides = doc.data.get("settings") or {}
        settings = _override(settings, overrides, doc, ("settings",), origins, problems)
    fmt = next((doc.data["format"] for _, _, doc in docs if doc.data.get("format")), None)
    _check_values(settings, origins, problems)
    fonts, coverage = _read_fonts(root, [folder for _, folder, _ in docs], settings, origins, problems, fonts_read)
    if problems:
        raise BookforgeError(problems)
    chain = tuple(_read_layer(layer_name, folder, root, problems) for layer_name, folder, _ in docs)
    if problems:
        raise BookforgeError(problems)
    description = str(docs[0][2].data.get("description") or "")
    return Layout(name=name, format=fmt, chain=chain, settings=settings, origins=origins, fonts=fonts,
                  coverage=coverage, description=description)


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
    "notes": ("footnotes", "chapter-end", "book-end"),
}
RECTO_PARTS = ("title-page", "copyright-page", "table-of-contents", "chapter", "frontmatter", "backmatter",
               "half-title", "also-by", "part", "dedication", "epigraph", "foreword", "preface", "introduction",
               "prologue", "epilogue", "afterword", "acknowledgements", "about-the-author", "colophon")


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
    problems.extend(check_page_settings(settings, origins))


def _get(settings: Mapping[str, Any], dotted: str) -> Any:
    value: Any = settings
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _read_fonts(root: Path, folders: list[Path], settings: Mapping[str, Any], origins: Mapping[str, Location],
                problems: list[Diagnostic], fonts_read: MutableMapping[str, str] | None,
                ) -> tuple[dict[str, bytes], dict[str, frozenset[int]]]:
    """Font files from the project's assets/, else from the layouts' own folders (child first): each a path inside
    the folder it is looked up in (no `..`, no absolute path, no symbolic link out), a real font, at most
    MAX_FONT_BYTES; with the code points each of the project's maps (layout/fontcheck.py)."""
    fonts: dict[str, bytes] = {}
    coverage: dict[str, frozenset[int]] = {}
    for style, relative in (settings.get("font_files") or {}).items():
        where = origins.get(f"font_files.{style}")
        relative = str(relative)
        if PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts or "\\" in relative:
            problems.append(Diagnostic("path-outside", f"the font file `{relative}` is not a path inside the "
                                       "project's assets/ or the layout's folder", where,
                                       "name the font relative to assets/, e.g. `fonts/MyFont-Regular.otf`"))
            continue
        if PurePosixPath(relative).suffix.lower() not in FONT_SUFFIXES:
            problems.append(Diagnostic("not-a-font", f"`{relative}` is not a font file: its name must end in "
                                       + ", ".join(FONT_SUFFIXES), where))
            continue
        found = _read_font(root, folders, relative, where, problems)
        if found is None:
            continue
        data, own = found
        if not data.startswith(FONT_SIGNATURES):
            problems.append(Diagnostic("not-a-font", f"`{relative}` is not an OpenType, TrueType or WOFF font",
                                       where, "use the font files the type foundry ships (.otf, .ttf, .woff2)"))
            continue
        path = f"fonts/{PurePosixPath(relative).name}"
        if not own:
            try:
                coverage[path] = font_coverage(data, fonts_read)
            except UnreadableFont as exc:
                problems.append(Diagnostic("not-a-font", f"`{relative}` cannot be read as a font ({exc})", where,
                                           "use the font files the type foundry ships (.otf, .ttf, .woff2)"))
                continue
        fonts[path] = data
    return fonts, coverage


def _read_font(root: Path, folders: list[Path], relative: str, where: Location | None,
               problems: list[Diagnostic]) -> tuple[bytes, bool] | None:
    """The font's bytes, and whether they are bookforge's own (a layout of the package's, not the project's)."""
    for folder in [root / "assets", *folders]:
        base, name = folder.resolve(), relative
        if base.is_relative_to(PACKAGE_LAYOUTS):
            # bookforge's own layouts are trusted, links included (its fonts/ is one, in a source checkout);
            # `relative` has no `..` and is not absolute, so it stays among them.
            base, name = (base / relative).resolve().parent, PurePosixPath(relative).name
        try:
            return read_inside(base, name, MAX_FONT_BYTES), base.is_relative_to(PACKAGE_LAYOUTS)
        except Refused as exc:
            if exc.kind == MISSING:
                continue
            problems.append(refusal(exc, relative, where, MAX_FONT_BYTES,
                                    "put the font file itself in the project's assets/fonts/ folder"))
            return None
    problems.append(Diagnostic("font-missing", f"the font file `{relative}` is neither in the project's "
                               "assets/ nor in a layout's folder", where,
                               "put the font in the project's assets/fonts/ folder"))
    return None


def _read_layer(name: str, folder: Path, root: Path, problems: list[Diagnostic]) -> LayoutLayer:
    """A layout folder's templates and stylesheets, read by the one rule for a project's files (bookforge.files):
    inside the layout's folder, regular files, each at most MAX_LAYOUT_FILE_BYTES."""
    folder = folder.resolve()
    templates, styles = {}, []
    for subfolder in ("templates", "styles"):
        try:
            listed = list(files_under(folder, subfolder, MAX_LAYOUT_FILES))
        except Refused as exc:
            problems.append(refusal(exc, shown_path(folder / subfolder, root), None, MAX_LAYOUT_FILES))
            continue
        for relative in listed:
            if subfolder == "styles" and (not relative.endswith(".css") or relative.count("/") != 1):
                continue
            shown = shown_path(folder / relative, root)
            try:
                text = read_inside(folder, relative, MAX_LAYOUT_FILE_BYTES).decode("utf-8")
            except Refused as exc:
                problems.append(refusal(exc, shown, None, MAX_LAYOUT_FILE_BYTES,
                                        "keep the layout's own files in its folder, not symbolic links to files "
                                        "elsewhere"))
                continue
            except UnicodeDecodeError:
                problems.append(Diagnostic("not-utf8", "the file is not saved as UTF-8", Location(shown)))
                continue
            if subfolder == "templates":
                templates[relative.removeprefix("templates/")] = text
            else:
                styles.append((relative.removeprefix("styles/"), text))
    return LayoutLayer(name=name, folder=shown_path(folder, root), templates=templates, styles=tuple(styles))
