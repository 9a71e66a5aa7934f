"""A printed book as a person sees it: the PDF as spreads in PNG files and one HTML contact sheet."""

from __future__ import annotations

import html
import io
import os
import re
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

from bookforge.own_files import is_own_folder, own_folder, write_atomically
from bookforge.print.raster import page_images

PROOF_DIR = "proof"
GAP = 12  # pixels of table between the two pages of a spread, and around it
OWN_IMAGES = re.compile(r"(spread-\d{3,}|cover)\.png")
"""The pictures make_proof writes: the only files it deletes."""


@dataclass(frozen=True)
class Spread:
    left: int | None
    """1-based page number of the verso, or None (page 1 stands alone on the right)."""
    right: int | None
    image: Path


def make_proof(pdf: Path, folder: Path, dpi: int = 60, cover: Path | None = None) -> Path:
    """Write spread-NNN.png (and cover.png) into `folder` with index.html; returns the contact sheet's path.

    Pages are drawn a spread at a time, so a long book at a high resolution is never held in memory whole. The
    folder is bookforge's own (build/EDITION/proof): a symbolic link there is refused, never followed; of what is in
    it, only the pictures a proof writes are replaced, each file written whole (see own_files).
    """
    own_folder(folder.parent, folder)
    for entry in list(os.scandir(folder)) if is_own_folder(folder.parent, folder) else []:
        if OWN_IMAGES.fullmatch(entry.name) and not entry.is_dir(follow_symlinks=False):
            os.unlink(entry.path)  # a link of that name goes itself; what it points to stays
    pages = page_images(pdf, dpi=dpi)
    first = next(pages, None)
    made = [_spread(folder, 1, [None, first], (None, 1))] if first is not None else []
    for number, (left, right) in enumerate(zip_longest(pages, pages), start=2):  # 2-3, 4-5, ...
        verso = 2 * (number - 1)
        made.append(_spread(folder, number, [left, right], (verso, verso + 1 if right is not None else None)))
    cover_image = None
    if cover is not None and cover.exists():
        cover_image = folder / "cover.png"
        _save(_compose([next(page_images(cover, dpi=dpi, trim=False))]), cover_image)
    index = folder / "index.html"
    write_atomically(index, _contact_sheet(pdf.name, made, cover_image).encode("utf-8"), root=folder)
    return index


def _spread(folder: Path, number: int, images: list, pages: tuple[int | None, int | None]) -> Spread:
    path = folder / f"spread-{number:03d}.png"
    _save(_compose(images), path)
    return Spread(*pages, path)


def _save(image, path: Path) -> None:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    write_atomically(path, buffer.getvalue(), root=path.parent)


def _compose(pages: list):
    from PIL import Image, ImageDraw

    width = max(p.width for p in pages if p is not None)
    height = max(p.height for p in pages if p is not None)
    sheet = Image.new("RGB", (len(pages) * width + 2 * GAP, height + 2 * GAP), (222, 220, 214))
    draw = ImageDraw.Draw(sheet)
    for slot, page in enumerate(pages):
        x = GAP + slot * width
        if page is None:
            continue
        sheet.paste(page, (x + (width - page.width if slot == 0 and len(pages) == 2 else 0), GAP))
        draw.rectangle((x, GAP, x + width - 1, GAP + height - 1), outline=(170, 168, 160))
    if len(pages) == 2:  # the fold
        draw.line((GAP + width, GAP, GAP + width, GAP + height), fill=(120, 118, 110))
    return sheet


def _contact_sheet(title: str, made: list[Spread], cover: Path | None) -> str:
    def caption(spread: Spread) -> str:
        numbers = [str(n) for n in (spread.left, spread.right) if n]
        return "page " + numbers[0] if len(numbers) == 1 else f"pages {numbers[0]}–{numbers[1]}"

    figures = []
    if cover is not None:
        figures.append(f'<figure class="cover"><img src="{cover.name}" alt="The cover wrap: back, spine, front"/>'
                       "<figcaption>cover (back · spine · front, with bleed)</figcaption></figure>")
    figures += [f'<figure><img src="{s.image.name}" alt="{caption(s)}"/><figcaption>{caption(s)}</figcaption>'
                "</figure>" for s in made]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>Proof: {html.escape(title)}</title>
<style>
body {{ background: #eeece6; font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #333; }}
main {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-end; }}
figure {{ margin: 0; text-align: center; }}
figure.cover {{ flex-basis: 100%; }}
img {{ display: block; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.25); }}
figcaption {{ margin-top: 0.4em; color: #666; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>{sum(1 for s in made for n in (s.left, s.right) if n)} pages in {len(made)} spreads, cut to the trim.</p>
<main>
{chr(10).join(figures)}
</main>
</body>
</html>
"""
