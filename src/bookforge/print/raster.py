"""PDF pages as images (pdfium), one page at a time: the ebook's cover, the preview's pages and the proofs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def page_images(pdf: bytes | Path, *, dpi: float | None = None, width: int | None = None,
                trim: bool = True) -> Iterator:
    """Each page as an RGB PIL image, at `dpi` or scaled to `width` pixels; cut to its TrimBox (the page the reader
    holds, without bleed or crop marks) unless `trim` is false. Pages are drawn as they are asked for, so a long
    book is never held in memory at once."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf) if isinstance(pdf, Path) else pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            left, bottom, right, top = page.get_mediabox()
            crop = (0.0, 0.0, 0.0, 0.0)
            if trim:
                t_left, t_bottom, t_right, t_top = page.get_trimbox()
                crop = tuple(max(0.0, c) for c in (t_left - left, t_bottom - bottom, right - t_right, top - t_top))
            scale = width / page.get_width() if width else (dpi or 72) / 72
            yield page.render(scale=scale, crop=crop).to_pil().convert("RGB")
    finally:
        document.close()
