"""The fallback chain of fonts after a layout's book face: open fonts chosen by script for what the text uses.

The characters of an edition's text are read from the manuscript; those the book face lacks (in any of its
styles) go to the first Noto family of their script that this machine has (Debian's fonts-noto-core and
fonts-noto-cjk), subset to the book's characters. What no font has is a located warning, once per script.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fontTools import unicodedata as font_unicodedata
from pydantic import BaseModel

from bookforge.errors import Diagnostic, Location
from bookforge.layout.chain import Layout
from bookforge.manuscript.model import Book, edition_parts

FONT_FOLDERS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
MAX_SYSTEM_FONT_BYTES = 40 * 1024 * 1024
"""A Noto CJK collection is ~26 MB; nothing larger is read."""
STYLES = {"Regular": ("normal", "normal"), "Italic": ("normal", "italic"), "Bold": ("bold", "normal"),
          "BoldItalic": ("bold", "italic")}
"""A fallback family's files by their name's last part, as (font-weight, font-style)."""
CJK_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Hang", "Bopo"})
CJK_FACES = {"ja": "JP", "ko": "KR", "zh": "SC", "zh-hant": "TC", "zh-tw": "TC", "zh-hk": "HK", "zh-mo": "TC"}
"""The face of a Noto CJK collection for a language: the glyph shapes of one ideograph differ between them."""
CJK_FACE_ORDER = ("JP", "KR", "SC", "TC", "HK")
"""The faces of fonts-noto-cjk's collections, in their order in the file."""
FAMILIES_BY_SCRIPT = {"Latn": ("NotoSerif",), "Grek": ("NotoSerif",), "Cyrl": ("NotoSerif",),
                      "Arab": ("NotoNaskhArabic", "NotoSansArabic"), "Hebr": ("NotoSerifHebrew", "NotoSansHebrew")}
COMMON_FAMILIES = ("NotoSerif", "NotoSansSymbols", "NotoSansSymbols2", "NotoSansMath")
"""For punctuation, digits and symbols that belong to no one script."""
FAMILY_PREFIX = "bookforge "
"""Before a fallback family's name in the stylesheets: WeasyPrint does not hide this machine's fonts of the name a
@font-face gives, so the subset shipped with the book is named apart from the installed font it was cut from."""
TYPOGRAPHY = "“”‘’«»„‚‹›–—…\u00a0\u2009\u200a\u202f\u2010\u2011"
"""Characters bookforge's typography puts into the text (quotes, dashes, fine spaces, hyphens)."""
COMMON_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})
NOT_DRAWN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
"""Categories of characters that draw nothing: controls, joiners and direction marks, separators."""


@dataclass(frozen=True)
class Face:
    """One @font-face of the chain."""

    family: str
    path: str
    """Where the file is in the book: `fonts/NotoNaskhArabic-Regular.ttf`."""
    weight: str
    style: str


@dataclass(frozen=True)
class FontChain:
    """What a layout's stylesheets and writers need: the fallback families after the book face, their faces and
    files, and what no font has."""

    families: tuple[str, ...] = ()
    """The names the stylesheets give them (FAMILY_PREFIX and the font's own name)."""
    faces: tuple[Face, ...] = ()
    fonts: Mapping[str, bytes] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    """Characters no font of the chain has, by the name of their script."""
    characters: frozenset[int] = frozenset()
    """The code points of the edition's text (what an ebook's fonts are cut down to)."""
    warnings: tuple[Diagnostic, ...] = ()


def font_chain(book: Book, edition_name: str, layout: Layout, extra_text: str = "") -> FontChain:
    """The chain for one edition of `book` with `layout`: only what the text needs, each font once."""
    texts = list(_texts(book, edition_name))
    used = set().union(*(text for _, _, text in texts), TYPOGRAPHY, extra_text)
    used |= set(str(layout.settings.get("ornament") or ""))
    # Characters of one script first: punctuation shared by several (、 in Japanese and Chinese) then goes to a
    # font already chosen for them.
    # Spaces too: a fallback font draws the spaces between the words it draws (Arabic, Hebrew).
    needed = sorted((char for char in used if unicodedata.category(char) not in NOT_DRAWN),
                    key=lambda char: (_is_common(char), char))
    covered = _book_face_coverage(layout)
    language = book.metadata.language.lower()
    chosen: dict[str, _Family] = {}
    missing: dict[str, list[str]] = {}
    for char in needed:
        code = ord(char)
        if code in covered or any(code in family.coverage for family in chosen.values()):
            continue
        family = next((f for f in _candidates(char, language) if code in f.coverage), None)
        if family is None:
            missing.setdefault(_script_name(char), []).append(char)
        else:
            chosen.setdefault(family.key, family)
    book_codes = frozenset(map(ord, needed))
    faces, fonts = [], {}
    for family in chosen.values():
        for style, (path, index) in family.files.items():
            name = f"fonts/{family.key}-{style}.{_suffix(path, index)}"
            fonts[name] = _subset(path, index, book_codes & family.coverage)
            faces.append(Face(FAMILY_PREFIX + family.name, name, *STYLES[style]))
    warnings = tuple(_missing_warning(script, chars, texts) for script, chars in missing.items())
    return FontChain(tuple(FAMILY_PREFIX + f.name for f in chosen.values()), tuple(faces), fonts,
                     {script: "".join(chars) for script, chars in missing.items()}, book_codes, warnings)


@dataclass(frozen=True)
class _Family:
    key: str
    """The files' name without the style: `NotoNaskhArabic`, `NotoSerifCJKjp`."""
    name: str
    files: Mapping[str, tuple[Path, int]]
    """Style -> (file, index of the face in a collection)."""
    coverage: frozenset[int]


def _is_common(char: str) -> bool:
    return font_unicodedata.script(char) in COMMON_SCRIPTS


def _candidates(char: str, language: str) -> Iterator[_Family]:
    """The families that may have `char`, best first: those of its script (or of each script it is used with)."""
    scripts = sorted(font_unicodedata.script_extension(char) - COMMON_SCRIPTS)
    if any(script in CJK_SCRIPTS for script in scripts):
        family = _cjk_family(language)
        if family is not None:
            yield family
    for script in scripts:
        if script in CJK_SCRIPTS:
            continue
        name = font_unicodedata.script_name(script, default="").replace(" ", "").replace("_", "")
        for stem in FAMILIES_BY_SCRIPT.get(script, (f"NotoSerif{name}", f"NotoSans{name}")):
            family = _family(stem)
            if family is not None:
                yield family
    for stem in COMMON_FAMILIES:
        family = _family(stem)
        if family is not None:
            yield family


@functools.lru_cache(maxsize=256)
def _family(stem: str) -> _Family | None:
    """A Noto family of this machine by its files' stem, or None when it is not installed."""
    files = {}
    for style in STYLES:
        for folder in FONT_FOLDERS:
            found = next((folder / f"{stem}-{style}{suffix}" for suffix in (".ttf", ".otf")
                          if (folder / f"{stem}-{style}{suffix}").is_file()), None)
            if found is not None:
                files[style] = (found, 0)
                break
    if "Regular" not in files:
        return None
    return _described(stem, files)


@functools.lru_cache(maxsize=8)
def _cjk_family(language: str) -> _Family | None:
    region = CJK_FACES.get(language, CJK_FACES.get(language.split("-")[0], "JP"))
    index = CJK_FACE_ORDER.index(region)
    files = {style: (folder / f"NotoSerifCJK-{style}.ttc", index) for style in ("Regular", "Bold")
             for folder in FONT_FOLDERS if (folder / f"NotoSerifCJK-{style}.ttc").is_file()}
    if "Regular" not in files:
        return None
    return _described(f"NotoSerifCJK{region.lower()}", files)


def _described(stem: str, files: Mapping[str, tuple[Path, int]]) -> _Family:
    with _open(*files["Regular"]) as font:
        name = str(font["name"].getDebugName(16) or font["name"].getDebugName(1))
    return _Family(stem, name, files, _coverage(*files["Regular"]))


def _open(path: Path, index: int, lazy: bool = True):
    """A font of this machine's Noto folders (a TTFont: close it, or use it in a `with`)."""
    from fontTools.ttLib import TTFont

    if path.stat().st_size > MAX_SYSTEM_FONT_BYTES:
        raise ValueError(f"{path} is larger than a font bookforge reads")
    return TTFont(path, fontNumber=index, lazy=lazy, recalcTimestamp=False)


@functools.lru_cache(maxsize=256)
def _coverage(path: Path, index: int) -> frozenset[int]:
    """The code points a font file maps: read once per process (a Noto CJK collection's map takes ~0.06 s)."""
    with _open(path, index) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=64)
def _font_data_coverage(data: bytes) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(data), lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def _book_face_coverage(layout: Layout) -> frozenset[int]:
    """What every style of the book face has: a character one of them lacks goes to the fallback in all of them,
    so that an italic never borrows a regular's glyph (or a synthetic oblique)."""
    maps = [layout.coverage.get(path) or _font_data_coverage(data) for path, data in layout.fonts.items()]
    return frozenset.intersection(*maps) if maps else frozenset()


@functools.lru_cache(maxsize=64)
def _subset(path: Path, index: int, chars: frozenset[int]) -> bytes:
    """A face of this machine cut down to the book's characters."""
    import uharfbuzz

    if path.stat().st_size > MAX_SYSTEM_FONT_BYTES:
        raise ValueError(f"{path} is larger than a font bookforge reads")
    return _cut(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), index), chars)


@functools.lru_cache(maxsize=16)
def subset_font(data: bytes, chars: frozenset[int], keep_ids: bool = False) -> bytes:
    """A font file cut down to `chars` (an ebook's book face: e-readers do not subset, and stores charge by size);
    `keep_ids` keeps each glyph at its id (a print font whose chunks' subsets are merged: print/fontmerge.py)."""
    import uharfbuzz

    return _cut(uharfbuzz.Face(uharfbuzz.Blob(data)), chars, keep_ids)


def _cut(face, chars: frozenset[int], keep_ids: bool = False) -> bytes:
    """The face with only the glyphs of `chars`, every layout feature kept (Arabic joins, small capitals, old-style
    figures, CJK punctuation) and every name (the licence, the copyright notice). HarfBuzz's subsetter: 2,000
    ideographs of Noto Serif CJK in ~0.1 s, where fontTools' takes ~14 s."""
    import uharfbuzz

    wanted = uharfbuzz.SubsetInput()
    wanted.unicode_set.update(chars)
    for everything in (wanted.layout_feature_tag_set, wanted.name_id_set, wanted.name_lang_id_set):
        everything.clear()
        everything.invert()
    wanted.flags = uharfbuzz.SubsetFlags.NOTDEF_OUTLINE | (uharfbuzz.SubsetFlags.RETAIN_GIDS if keep_ids else 0)
    subset = uharfbuzz.subset(face, wanted)
    if subset is None:
        raise ValueError("HarfBuzz could not subset the font")
    return bytes(subset.blob.data)


def _suffix(path: Path, index: int) -> str:
    with _open(path, index) as font:
        return "otf" if font.sfntVersion == "OTTO" else "ttf"


def _script_name(char: str) -> str:
    script = font_unicodedata.script(char)
    if script in COMMON_SCRIPTS:
        return "symbols"
    return font_unicodedata.script_name(script, default=script).replace("_", " ")


def _missing_warning(script: str, chars: list[str], texts: list[tuple[Location | None, str, str]]) -> Diagnostic:
    shown = " ".join(f"{char} (U+{ord(char):04X})" for char in chars[:8]) + (" ..." if len(chars) > 8 else "")
    where = next((_at(location, text, char) for location, _, text in texts for char in chars if char in text), None)
    return Diagnostic("missing-glyphs", f"no font has these {script} characters, which print as empty boxes: "
                      f"{shown}", where, "install the Noto fonts (scripts/install-system-deps.sh), give the layout "
                      "a font that has them, or remove them", severity="warning")


def _at(location: Location | None, text: str, char: str) -> Location | None:
    """The line of the first `char` in a field's text, counted from where the field is written."""
    if location is None:
        return None
    before = text[:text.index(char)]
    if "\n" not in text:  # on the field's own line: at its column
        return Location(location.file, location.line, location.column)
    # A YAML block (`text: |`) starts on the line after its key; a Markdown chapter's text where it is located.
    block = location.file.endswith((".yaml", ".yml"))
    return Location(location.file, location.line + block + before.count("\n"))


def _texts(book: Book, edition_name: str) -> Iterator[tuple[Location | None, str, str]]:
    """(where, field, text) of every text of the edition: the metadata, then each part's in reading order."""
    yield from _model_texts(book.metadata)
    yield from _model_texts(book.editions[edition_name])
    for part in edition_parts(book, edition_name):
        if part.chapter is not None:
            yield from _model_texts(part.chapter)
        if part.label:
            yield part.location, "label", part.label


def _model_texts(model: BaseModel) -> Iterator[tuple[Location | None, str, str]]:
    for name, value in model:
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, str):
                yield model.location_of(name) if hasattr(model, "location_of") else None, name, item
            elif isinstance(item, BaseModel):
                yield from _model_texts(item)
