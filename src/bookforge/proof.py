"""A printed book as a person sees it: the PDF as spreads in PNG files and one HTML contact sheet."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

PROOF_DIR = "proof"
GAP = 12  # pixels of table between the two pages of a spread, and around it


@dataclass(frozen=True)
class Spread:
    left: int | None
    """1-based page number of the verso, or None (page 1 stands alone on the right)."""
    right: int | None
    image: Path


def spreads(pages: int) -> list[tuple[int | None, int | None]]:
    """Page 1 alone on the right, then 2-3, 4-5, ...; an even last page alone on the left."""
    pairs: list[tuple[int | None, int | None]] = [(None, 1)] if pages else []
    for left in range(2, pages + 1, 2):
        pairs.append((left, left + 1 if left + 1 <= pages else None))
    return pairs


def make_proof(pdf: Path, folder: Path, dpi: int = 60, cover: Path | None = None) -> Path:
    """Write spread-NNN.png (and cover.png) into `folder` with index.html; returns the contact sheet's path."""
    import pypdfium2

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        images = [_trimmed(document[index], dpi) for index in range(len(document))]
    finally:
        document.close()
    made = []
    for number, (left, right) in enumerate(spreads(len(images)), 1):
        path = folder / f"spread-{number:03d}.png"
        _compose([images[left - 1] if left else None, images[right - 1] if right else None]).save(path)
        made.append(Spread(left, right, path))
    cover_image = None
    if cover is not None and cover.exists():
        cover_document = pypdfium2.PdfDocument(str(cover))
        try:
            cover_image = folder / "cover.png"
            _compose([_trimmed(cover_document[0], dpi, trim=False)]).save(cover_image)
        finally:
            cover_document.close()
    index = folder / "index.html"
    index.write_text(_contact_sheet(pdf.name, made, cover_image), encoding="utf-8")
    return index


def _trimmed(page, dpi: int, trim: bool = True):
    """The page rendered at `dpi`, cut to its TrimBox (what the reader holds) unless `trim` is false."""
    left, bottom, right, top = page.get_mediabox()
    if trim:
        t_left, t_bottom, t_right, t_top = page.get_trimbox()
        crop = (t_left - left, t_bottom - bottom, right - t_right, top - t_top)
    else:
        crop = (0, 0, 0, 0)
    return page.render(scale=dpi / 72, crop=tuple(max(0.0, c) for c in crop)).to_pil().convert("RGB")


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
