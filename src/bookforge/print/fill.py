"""How full a print edition's body pages are: a page that ends far above the foot of the text block is a page a
typographer would reject (an entry kept whole and pushed over, a heading kept from its text)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

UNDERFULL = 0.85
"""A body page whose text stops above this share of the text block's height is underfull."""


@dataclass(frozen=True)
class PageFill:
    index: int
    """The page's index in the PDF (0 is the first page)."""
    fill: float
    """How far down the text block its text reaches: 1.0 is the last line at the foot."""
    chapter_end: bool
    """The last page of a chapter (or of the book), which may end anywhere."""
    lines: int
    """Lines of text on the page (a chapter's last page with 2 is a typographer's widow page)."""


def body_fill(pdf: bytes | Path, top: float, bottom: float) -> list[PageFill]:
    """Every body page with text: from the first top-level bookmark (the first chapter) on. `top` and `bottom` are
    the page's margins in points (running heads and folios stand in them and are not counted)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf) if isinstance(pdf, Path) else pdf)
    try:
        destinations = [item.get_dest() for item in document.get_toc() if item.level == 0]
        starts = sorted({dest.get_index() for dest in destinations if dest is not None})
        if not starts:
            return []
        pages = []
        for index in range(starts[0], len(document)):
            page = document[index]
            _, trim_bottom, _, trim_top = page.get_trimbox()
            area_top, area_bottom = trim_top - top, trim_bottom + bottom
            text = page.get_textpage()
            rects = [text.get_rect(i) for i in range(text.count_rects())]
            lowest = [rect[1] for rect in rects if area_bottom - 2 <= (rect[1] + rect[3]) / 2 <= area_top]
            if lowest:
                fill = (area_top - min(lowest)) / (area_top - area_bottom)
                pages.append(PageFill(index, round(min(fill, 1.0), 3),
                                      chapter_end=index + 1 in starts or index + 1 == len(document)
                                      or not _has_text(document[index + 1]),
                                      lines=_lines(lowest)))
        return pages
    finally:
        document.close()


def _lines(bottoms: list[float]) -> int:
    """Text runs whose bottoms are within a few points of each other are one line (italics and superiors sit a
    little lower or higher)."""
    ordered = sorted(bottoms)
    return 1 + sum(1 for a, b in zip(ordered, ordered[1:]) if b - a > 4)


def _has_text(page) -> bool:
    """A blank verso before a chapter that opens on a recto has none: the page before it ends its chapter."""
    return page.get_textpage().count_chars() > 0


def underfull(pages: list[PageFill]) -> list[PageFill]:
    """Body pages under UNDERFULL, chapter ends aside."""
    return [page for page in pages if not page.chapter_end and page.fill < UNDERFULL]


def short_chapter_ends(pages: list[PageFill], lines: int = 2) -> list[PageFill]:
    """Chapters whose last page holds `lines` lines or fewer."""
    return [page for page in pages if page.chapter_end and page.lines <= lines]
