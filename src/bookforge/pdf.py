"""Rendition -> PDF through WeasyPrint; its warnings become bookforge diagnostics."""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from .errors import Diagnostic, Location
from .render import Rendition

# Every resource is served from memory under this address; nothing else can be fetched (no files, no network).
BOOK_URL = "https://book.invalid/"


@dataclass(frozen=True)
class PdfResult:
    data: bytes
    pages: int
    warnings: tuple[Diagnostic, ...]


def write_pdf(rendition: Rendition, modified: datetime) -> PdfResult:
    # WeasyPrint takes ~1 s to import: only builds that make a PDF pay for it.
    import weasyprint

    (document,) = rendition.documents
    resources = {path: css.encode("utf-8") for path, css in rendition.stylesheets} | dict(rendition.fonts)
    fetcher = _resource_fetcher(weasyprint, resources)
    where = Location(f"{rendition.layout.chain[0].folder} (edition `{rendition.edition_name}`)")
    with _collect_logs(where) as warnings, _source_date(modified):
        html = weasyprint.HTML(string=document.content, base_url=BOOK_URL + document.href, url_fetcher=fetcher)
        rendered = html.render()
        data = rendered.write_pdf()
    warnings.extend(_fallback_fonts(rendered, rendition, where))
    return PdfResult(data=data, pages=len(rendered.pages), warnings=tuple(warnings))


def _fallback_fonts(rendered, rendition: Rendition, where: Location) -> list[Diagnostic]:
    """Text in a font the layout did not ship came from this machine's fonts: another machine prints it otherwise."""
    declared = {rendition.layout.settings["body_font"], rendition.layout.settings["heading_font"]}
    foreign = sorted({font.family for font in rendered.fonts.values()} - declared)
    return [Diagnostic("font-fallback", f"some characters are missing from the layout's fonts, so this machine's "
                       f"`{family}` was used for them", where, "choose a font that has every character of the "
                       "book, or remove the characters", severity="warning") for family in foreign]


def _resource_fetcher(weasyprint, resources: dict[str, bytes]):
    class ResourceFetcher(weasyprint.urls.URLFetcher):
        """Serves the rendition's own stylesheets, fonts and images; refuses every other URL."""

        def fetch(self, url, headers=None):
            path = url.removeprefix(BOOK_URL).split("#")[0].split("?")[0]
            if not url.startswith(BOOK_URL) or path not in resources:
                raise ValueError(f"not part of the book: {url}")
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, body=resources[path], headers={"Content-Type": mime})

    return ResourceFetcher()


@contextlib.contextmanager
def _source_date(modified: datetime) -> Iterator[None]:
    """fontTools stamps subset fonts with the time unless SOURCE_DATE_EPOCH is set: set it for the render."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(modified.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class _ListHandler(logging.Handler):
    def __init__(self, where: Location, sink: list[Diagnostic]):
        super().__init__(logging.WARNING)
        self.where, self.sink = where, sink

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip().splitlines()[0]
        self.sink.append(Diagnostic("pdf-render", message, self.where, severity="warning"
                                    if record.levelno < logging.ERROR else "error"))


@contextlib.contextmanager
def _collect_logs(where: Location) -> Iterator[list[Diagnostic]]:
    """WeasyPrint logs bad CSS and missing resources and carries on; bookforge reports them instead."""
    logger = logging.getLogger("weasyprint")
    found: list[Diagnostic] = []
    handler = _ListHandler(where, found)
    logger.addHandler(handler)
    previous, logger.propagate = logger.propagate, False
    try:
        yield found
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
