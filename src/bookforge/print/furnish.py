"""A chunk paginated before its start is known; its page furniture (folios, running heads) made once it is.

WeasyPrint paginates the whole document first and then makes every page's margin boxes from the page counters and
named strings it recorded for each page (weasyprint.layout.layout_document). Where a chunk starts changes only what
the margin boxes show, and, when its first part opens on a right-hand page, whether a blank page comes first. So a
chunk can be paginated from a guessed start (the costly part, on another core) and finished from the real one: the
recorded counters moved, the starting strings put in, the blank page dropped, then the margin boxes made. This is
the same sequence of calls as `HTML.render()` (Document._render), cut where the margin boxes are made.
"""

from __future__ import annotations


class Paginated:
    """A chunk's HTML paginated (no margin boxes yet); `finish` makes the rest of WeasyPrint's Document."""

    def __init__(self, typesetter, content: str):
        from weasyprint import DEFAULT_OPTIONS
        from weasyprint.css.counters import CounterStyle
        from weasyprint.document import Document
        from weasyprint.formatting_structure import boxes
        from weasyprint.formatting_structure.build import build_formatting_structure
        from weasyprint.layout import layout_document
        from weasyprint.text.fonts import FontConfiguration

        from bookforge.print.writer import BOOK_URL, _collect_logs, _fixed_font_dates

        self.typesetter = typesetter
        href = typesetter.rendition.documents[0].href
        with _collect_logs(typesetter.where) as warnings, _fixed_font_dates(), typesetter._budget():
            self.html = typesetter.weasyprint.HTML(string=content, base_url=BOOK_URL + href,
                                                   url_fetcher=typesetter.fetcher)
            self.font_config, self.options, self.color_profiles = FontConfiguration(), DEFAULT_OPTIONS.copy(), {}
            # Filled from the stylesheets' @color-profile rules.
            self.context = context = Document._build_layout_context(self.html, self.font_config, CounterStyle(),
                                                                    self.color_profiles, self.options)
            root_box = build_formatting_structure(
                self.html.etree_element, context.style_for, context.get_image_from_uri, self.html.base_url,
                context.target_collector, context.counter_style, context.footnotes)
            self._boxes = layout_document(self.html, root_box, context)
            # Paginated, the named strings collected, the first page's margin boxes made (a prelude's: dropped).
            self._first = next(self._boxes)
        self.warnings = warnings
        self.pages = self._boxes.gi_frame.f_locals["pages"]
        """The page boxes, the generator's own list: a page deleted from it is not furnished."""
        self.text_counter = any(not isinstance(box, boxes.MarginBox)
                                for box, _ in context.target_collector.counter_lookup_items)
        """Text outside the margin boxes shows a counter that depends on the pages (`counter(page)`,
        `target-counter()`): moving the page counters would not change it."""

    def string_sets(self, first: int, last: int) -> dict[str, str]:
        """The named strings pages[first:last] set, the last value of each."""
        strings: dict[str, str] = {}
        for page in self.pages[first:last]:
            for box in page.descendants():
                for name, text in box.string_set if box.string_set and box.string_set != "none" else ():
                    strings[name] = text
        return strings

    def anchors(self, first: int, last: int) -> dict[str, int]:
        """Element id -> the index of the first of pages[first:last] it is on."""
        anchors: dict[str, int] = {}
        for index in range(first, last):
            for box in self.pages[index].descendants():
                anchor = box.style["anchor"] if box.style is not None else None
                if anchor and anchor not in anchors:
                    anchors[anchor] = index
        return anchors

    def finish(self, shift: int = 0, drop_blank: bool = False, strings: dict[str, str] | None = None):
        """(WeasyPrint Document, element tree, warnings) of the pages, the second page (a blank one) dropped if
        `drop_blank`, the page counter moved by `shift` from the second page to the first that resets it, and the
        named strings the first page (a prelude) sets replaced by `strings`."""
        from weasyprint.document import Document, Page
        from weasyprint.html import get_html_metadata
        from weasyprint.pdf.metadata import DocumentMetadata

        from bookforge.print.writer import _collect_logs, _fixed_font_dates, _set_metadata

        context, pages = self.context, self.pages
        if drop_blank:
            del pages[1]
            del context.page_maker[2]  # page_maker[i + 1] holds the counters of page i
            for by_page in context.string_set.values():
                moved = {page - (page > 2): values for page, values in by_page.items() if page != 2}
                by_page.clear()
                by_page.update(moved)
        if shift:
            for number, page in enumerate(pages[1:], start=2):
                if any(name == "page" for name, _ in (page.style["counter_reset"] or ())) or \
                        any(name == "page" for name, _ in (page.style["counter_set"] or ())):
                    break
                values = context.page_maker[number][3][1]["page"]
                values[-1] += shift
        if strings is not None:
            for by_page in context.string_set.values():
                by_page.pop(1, None)
            for name, value in strings.items():
                context.string_set[name][1] = [value]
        typesetter = self.typesetter
        with _collect_logs(typesetter.where) as warnings, _fixed_font_dates(), typesetter._budget():
            page_boxes = [self._first, *self._boxes]
            rendered = Document([Page(box) for box in page_boxes], DocumentMetadata(**get_html_metadata(self.html)),
                                self.html.url_fetcher, self.font_config, self.color_profiles,
                                self.options["output_intent"])
            rendered._html = self.html
        _set_metadata(rendered.metadata, typesetter.rendition, typesetter.modified, typesetter.keywords)
        return rendered, self.html.etree_element, self.warnings + warnings
