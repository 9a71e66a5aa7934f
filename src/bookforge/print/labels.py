"""The PDF's /PageLabels: a viewer shows the folio printed on each page (roman front matter, arabic body), not
its place in the file."""

from __future__ import annotations

from collections.abc import Sequence

from bookforge.print.pagemap import PageCounter, run_styles

# CSS counter styles -> PDF 1.7 page label styles (table 159). Others get no style letter (a label of no number).
PDF_STYLES = {"decimal": "/D", "lower-roman": "/r", "upper-roman": "/R", "lower-alpha": "/a", "lower-latin": "/a",
              "upper-alpha": "/A", "upper-latin": "/A"}


def label_ranges(counters: Sequence[PageCounter]) -> list[tuple[int, str | None, int]]:
    """(first page index, PDF style or None, first number) of each run of pages numbered in one style."""
    ranges: list[tuple[int, str | None, int]] = []
    previous = None
    for index, (counter, style) in enumerate(zip(counters, run_styles(counters))):
        pdf_style = PDF_STYLES.get(style)
        if previous is None or pdf_style != previous[0] or counter.value != previous[1] + 1:
            ranges.append((index, pdf_style, max(counter.value, 1)))
        previous = (pdf_style, counter.value)
    return ranges


def pydyf_labels(counters: Sequence[PageCounter]):
    """The /PageLabels number tree as pydyf objects (for WeasyPrint's finisher)."""
    import pydyf

    numbers = pydyf.Array()
    for index, style, start in label_ranges(counters):
        entry = pydyf.Dictionary({"St": start})
        if style:
            entry["S"] = style
        numbers.extend([index, entry])
    return pydyf.Dictionary({"Nums": numbers})


def pikepdf_labels(counters: Sequence[PageCounter]):
    """The same tree as pikepdf objects (for a PDF joined from chunks)."""
    import pikepdf

    numbers = []
    for index, style, start in label_ranges(counters):
        entry = pikepdf.Dictionary(St=start)
        if style:
            entry.S = pikepdf.Name(style)
        numbers += [index, entry]
    return pikepdf.Dictionary(Nums=pikepdf.Array(numbers))
