"""Page geometry for print: named trim sizes, and the gutter that printers ask for by page count."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bookforge.errors import Diagnostic, Location

# Trade and mass-market sizes that print-on-demand printers offer, as (width, height) in CSS lengths.
TRIM_PRESETS: dict[str, tuple[str, str]] = {
    "5x8": ("5in", "8in"),
    "5.25x8": ("5.25in", "8in"),
    "5.5x8.5": ("5.5in", "8.5in"),
    "6x9": ("6in", "9in"),
    "7x10": ("7in", "10in"),
    "a5": ("148mm", "210mm"),
    "b-format": ("129mm", "198mm"),
    "pocket": ("4.25in", "7in"),
}
# What printers print. Print-on-demand trims go up to 8.5 x 11.69 in (KDP), photo and art books to about 13 x 11 in;
# 17 in is a tabloid sheet's long side. A layout's trim and every @page size of its stylesheets stay within this,
# so a page (and a proof of it at 300 dpi: 5,100 px a side) has a bounded size.
MIN_TRIM_INCHES = 2.0
MAX_TRIM_INCHES = 17.0
MAX_PAGE_INCHES = MAX_TRIM_INCHES
"""An @page `size` in a layout's stylesheets (the trim: bleed and crop marks are added outside it)."""
MAX_COVER_INCHES = 48.0
"""An @page `size` in a cover template: the wrap holds two trims, the spine and the bleed."""
MAX_BLEED_INCHES = 0.5
MIN_TEXT_INCHES = 1.0
"""The text block left inside the margins, across and down the page."""
FONT_SIZE_POINTS = (4.0, 72.0)
LEADING = (0.8, 4.0)
PAPER_THICKNESS_INCHES = (0.001, 0.02)
"""A page's thickness: the spine is pages x thickness (KDP's white paper: 0.002252 in)."""
# KDP's minimum inside margin by page count: (up to this many pages, gutter in inches).
GUTTER_BANDS: tuple[tuple[int, float], ...] = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
_LENGTH = r"\d+(?:\.\d+)?\s*(?:in|mm|cm|pt)"
_CUSTOM = re.compile(rf"^\s*({_LENGTH})\s*[x×]\s*({_LENGTH})\s*$", re.IGNORECASE)
POINTS = {"in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "pt": 1.0}


@dataclass(frozen=True)
class Trim:
    width: str
    height: str

    @property
    def points(self) -> tuple[float, float]:
        return to_points(self.width), to_points(self.height)


def parse_trim(value: str) -> Trim | None:
    """A preset name or "WIDTH x HEIGHT" (e.g. "140mm x 216mm"); None when it is neither."""
    preset = TRIM_PRESETS.get(value.strip().lower())
    if preset:
        return Trim(*preset)
    match = _CUSTOM.match(value)
    if match:
        return Trim(match[1].replace(" ", ""), match[2].replace(" ", ""))
    return None


def to_points(length: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(in|mm|cm|pt)", length.strip())
    if not match:
        raise ValueError(f"not a length: {length!r}")
    return float(match[1]) * POINTS[match[2]]


def gutter_for(pages: int) -> str:
    """The inside margin for a book of `pages` pages (the widest band applies beyond the table)."""
    for limit, inches in GUTTER_BANDS:
        if pages <= limit:
            return f"{inches}in"
    return f"{GUTTER_BANDS[-1][1]}in"


# The bleed that printers ask for on covers and on interiors with images to the edge, in inches.
COVER_BLEED = 0.125
# Least outside margin (from the trim) when pages bleed: KDP's figure, in inches.
MIN_OUTSIDE_WITH_BLEED = 0.375


def bleed_points(settings) -> float:
    """The layout's `bleed` setting in points (0 for "0" or "0in"); ValueError when it is not a length."""
    value = str(settings["bleed"]).strip()
    return 0.0 if value in ("", "0") else to_points(value)


def estimate_pages(settings: dict, characters: int, paragraphs: int, entries: int, chapters: int) -> int:
    """A first guess at the printed page count, so the first layout usually has the right `auto` gutter.

    Lines of text from the text block and the type size, an allowance per entry (title, label, ornament) and per
    chapter (the opening sink, a blank verso half the time). Fitted on the sample and the benchmark book to
    within -4%...+14% (all three print layouts, 1x and 2x); a wrong guess costs one more layout, never a wrong book.
    """
    trim = parse_trim(settings["trim"])
    assert trim is not None
    margins = settings["margins"]
    inside = gutter_for(0) if margins["inside"] == "auto" else margins["inside"]
    width = trim.points[0] - to_points(inside) - to_points(margins["outside"])
    height = trim.points[1] - to_points(margins["top"]) - to_points(margins["bottom"])
    size = to_points(settings["font_size"])
    characters_per_line = width / (size * 0.5)
    lines_per_page = height / (size * settings["leading"])
    lines = characters / characters_per_line + entries * 7
    if settings["paragraph_style"] == "spaced":
        lines += paragraphs * 0.8
    return round(4 + chapters * 1.5 + lines / lines_per_page)


def check_page_settings(settings: Mapping[str, Any], origins: Mapping[str, Location]) -> list[Diagnostic]:
    """Page lengths within what printers print, and those that only make sense together: margins that leave a text
    block, a bleed with a wide enough outside margin."""
    problems: list[Diagnostic] = []

    def problem(key: str, message: str, hint: str | None = None) -> list[Diagnostic]:
        return [Diagnostic("bad-setting", message, origins.get(key), hint)]

    trim = parse_trim(str(settings.get("trim", "")))
    if trim is not None:
        sides = [points / 72 for points in trim.points]
        if not all(MIN_TRIM_INCHES <= side <= MAX_TRIM_INCHES for side in sides):
            problems += problem("trim", f"a trim of {sides[0]:g} x {sides[1]:g} in is not a book printers print: each "
                                f"side must be {MIN_TRIM_INCHES:g} to {MAX_TRIM_INCHES:g} in",
                                "use a preset (" + ", ".join(TRIM_PRESETS) + ") or a size such as `140mm x 216mm`")
            trim = None
    thickness = str(settings.get("paper_thickness") or "").strip()
    if thickness and not _is_length(thickness):
        problems += problem("paper_thickness", f"`paper_thickness` should be a length a page such as `0.0025in`, "
                            f"not `{thickness}`")
    elif thickness and not _within(to_points(thickness) / 72, PAPER_THICKNESS_INCHES):
        problems += problem("paper_thickness", f"a paper {thickness} thick is not a book's paper (from "
                            f"{PAPER_THICKNESS_INCHES[0]:g} to {PAPER_THICKNESS_INCHES[1]:g} in a page)")
    size = str(settings.get("font_size", ""))
    if not _is_length(size) or not _within(to_points(size), FONT_SIZE_POINTS):
        problems += problem("font_size", f"`font_size` should be a length from {FONT_SIZE_POINTS[0]:g}pt to "
                            f"{FONT_SIZE_POINTS[1]:g}pt, not `{size}`")
    leading = settings.get("leading")
    if not isinstance(leading, (int, float)) or not _within(leading, LEADING):
        problems += problem("leading", f"`leading` should be a number from {LEADING[0]:g} to {LEADING[1]:g}, not "
                            f"`{leading}`")
    try:
        bleed = bleed_points(settings)
    except ValueError:
        return problems + problem("bleed", f"`bleed` should be a length such as `0.125in`, not `{settings['bleed']}`")
    if bleed > MAX_BLEED_INCHES * 72:
        problems += problem("bleed", f"a bleed of {settings['bleed']} is more than printers ask for (at most "
                            f"{MAX_BLEED_INCHES:g}in; KDP asks 0.125in)")
    margins = settings["margins"]
    for side in ("top", "bottom", "inside", "outside"):
        value = str(margins.get(side, ""))
        if not _is_length(value) and not (side == "inside" and value == "auto"):
            problems += problem(f"margins.{side}", f"`margins.{side}` should be a length such as `0.625in`"
                                f"{' or `auto`' if side == 'inside' else ''}, not `{value}`")
            return problems
    outside = margins["outside"]
    if bleed and to_points(outside) < MIN_OUTSIDE_WITH_BLEED * 72 - 0.01:
        problems += problem("margins.outside", f"with a bleed the outside margin must be at least "
                            f"{MIN_OUTSIDE_WITH_BLEED}in, and `margins.outside` is {outside}",
                            f"set `margins.outside` to {MIN_OUTSIDE_WITH_BLEED}in or more, or `bleed` to 0in")
    if trim is not None:
        inside = to_points(gutter_for(10**6) if margins["inside"] == "auto" else margins["inside"])
        across = trim.points[0] - inside - to_points(outside)
        down = trim.points[1] - to_points(margins["top"]) - to_points(margins["bottom"])
        for key, left in (("margins.outside", across), ("margins.top", down)):
            if left < MIN_TEXT_INCHES * 72:
                problems += problem(key, f"the margins leave a text block of {left / 72:.2f} in on a "
                                    f"{trim.width} x {trim.height} page; at least {MIN_TEXT_INCHES:g} in is needed "
                                    "across and down", "make the margins smaller")
                break
    return problems


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _is_length(value: str) -> bool:
    try:
        to_points(value)
    except ValueError:
        return False
    return True
