"""Rendition -> PDF through WeasyPrint; its warnings become bookforge diagnostics."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import logging
import mimetypes
import os
import threading
from collections.abc import Iterator, MutableMapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bookforge import budget, css
from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.layout.geometry import COVER_BLEED, bleed_points
from bookforge.print import chunks, labels, pagemap, preflight
from bookforge.print.notes import notes_apart
from bookforge.print.truetype import as_truetype
from bookforge.render.fonts import subset_font
from bookforge.render.rendition import Rendition

# Every resource is served from memory under this address; nothing else can be fetched (no files, no network).
BOOK_URL = "https://book.invalid/"
# PDF/X's output intent: Ghostscript's CMYK profile (Debian `libgs-common`), served to WeasyPrint from memory.
CMYK_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),)
OUTPUT_INTENT = "color/output-intent.icc"
TO_UNICODE_START = b"/CIDInit /ProcSet findresource begin"  # the first line of WeasyPrint's ToUnicode maps
UNDATED = datetime(2000, 1, 1, tzinfo=timezone.utc)
"""The date of a layout that holds none (a chunk's: the join writes the book's)."""
# One layout (or one chunk of it) and one PDF get this much time and memory growth. Measured here: ~1,400 pages of a
# 6 x 9 in paperback take ~110 s and ~510 MB; the largest manuscript allowed makes ~3,000 such pages.
LAYOUT_SECONDS = 900.0
LAYOUT_MEMORY = 3 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class PdfResult:
    data: bytes
    pages: int
    warnings: tuple[Diagnostic, ...]
    page_starts: tuple = ()
    """Where each printed page starts (pagemap.PageStart), when asked for with `map_pages`."""
    chunks: chunks.ChunkCounts | None = None
    """How many chunks were laid out, when the PDF was laid out in chunks."""


def write_pdf(rendition: Rendition, modified: datetime, bound: bool = True, map_pages: bool = False,
              chunk_store: MutableMapping[str, str] | None = None, chunk_workers: int = 1,
              cancel: threading.Event | None = None, chunk_executor: Executor | None = None,
              page_band: tuple[int, int | None] | None = None) -> PdfResult:
    """Lay out and write the PDF; fails with located problems where the edition's PDF variant would be broken.

    `bound` pages (an interior) have no bleed on their inside edge; a cover (`bound=False`) bleeds on all four.
    With a `chunk_store`, an interior is laid out in chunks kept there between builds (chunks.py), when its layout
    allows (in `chunk_workers` processes, of `chunk_executor` if given; `cancel` set stops it between chunks; out of
    `page_band` it stops with chunks.OutOfBand); else as one document.
    """
    (document,) = rendition.documents
    where = Location(f"{rendition.layout.chain[0].folder} (edition `{rendition.edition_name}`"
                     f"{'' if bound else ', cover'})")
    _raise_errors(preflight.check_html(rendition, where))
    typesetter = Typesetter(rendition, modified, bound, where)
    joined = (chunks.lay_out(rendition, typesetter, chunk_store, chunk_workers, cancel, chunk_executor, page_band)
              if bound and chunk_store is not None and chunks.can_lay_out(rendition) else None)
    counts = None
    if joined is not None:
        data, pages, warnings, starts, counts = joined
    else:
        rendered, root, warnings = typesetter.lay_out(document.content)
        data, more = typesetter.write(rendered)
        warnings, pages = warnings + more, len(rendered.pages)
        starts = pagemap.page_starts(rendered.pages, root) if map_pages else ()
    warnings = [*rendition.fallback.warnings, *_not_reported(warnings, rendition),
                *preflight.check_pdf(data, rendition.layout, where)]
    return PdfResult(data=data, pages=pages, warnings=tuple(warnings), page_starts=starts if map_pages else (),
                     chunks=counts)


class Typesetter:
    """WeasyPrint set up for one rendition: it fetches only the rendition's own resources (from memory), its log
    becomes diagnostics, and its dates come from SOURCE_DATE_EPOCH."""

    def __init__(self, rendition: Rendition, modified: datetime, bound: bool, where: Location,
                 keywords: bool = True):
        # WeasyPrint takes ~1 s to import: only builds that make a PDF pay for it.
        import weasyprint

        self.weasyprint, self.rendition, self.modified, self.bound, self.where, self.keywords = (
            weasyprint, rendition, modified, bound, where, keywords)
        self.variant = rendition.layout.settings["pdf_variant"] or None
        resources = {path: css.encode("utf-8") for path, css in rendition.stylesheets}
        # PDF/X-1a is PDF 1.4, which holds TrueType font programs but not OpenType ones: the glyphs the book can
        # use are converted (each at its id, as the join of chunks expects), not the font's thousands.
        x1a = self.variant == "pdf/x-1a"
        resources |= {path: as_truetype(subset_font(data, rendition.fallback.characters, keep_ids=True)) if x1a
                      else data for path, data in rendition.fonts.items()}
        resources |= {path: image.data for path, image in rendition.images.items()}
        if self.variant and self.variant.startswith("pdf/x"):
            resources[OUTPUT_INTENT] = _cmyk_profile(rendition)
        self.resources = resources
        self.fetcher = _resource_fetcher(weasyprint, resources)

    def __reduce__(self):
        """To another process (chunks laid out ahead): the rendition, from which it sets itself up again."""
        return Typesetter, (self.rendition, self.modified, self.bound, self.where, self.keywords)

    def undated(self) -> Typesetter:
        """The same, for layouts that hold no date and no keywords (chunks: the join writes the book's)."""
        return Typesetter(self.rendition, UNDATED, self.bound, self.where, keywords=False)

    def _budget(self):
        """LAYOUT_SECONDS and LAYOUT_MEMORY for one layout or PDF: more is a located problem, not a hang."""
        return budget.limited(LAYOUT_SECONDS, LAYOUT_MEMORY, problem=lambda reason: BookforgeError([Diagnostic(
            "layout-budget", f"laying out the pages {reason}", self.where,
            "look in the layout's stylesheets for sizes far beyond a book's (fonts, line heights, margins)")]))

    def fingerprint(self) -> str:
        """What, besides a document's HTML, its pages are made from: every resource, the settings, the tools (not
        the date and the metadata, which are the same on every page)."""
        digest = hashlib.sha256()
        for path, data in sorted(self.resources.items()):
            digest.update(f"{path}\0{len(data)}\0".encode())
            digest.update(data)
        settings = self.rendition.layout.settings
        digest.update(repr((_typesetting_tools(), self.variant, self.bound, settings["crop_marks"],
                            settings["bleed"])).encode())
        return digest.hexdigest()

    def lay_out(self, content: str):
        """(WeasyPrint Document, the element tree it was made from, warnings), within the layout budget."""
        href = self.rendition.documents[0].href
        with _collect_logs(self.where) as warnings, _fixed_font_dates(), self._budget():
            html = self.weasyprint.HTML(string=content, base_url=BOOK_URL + href, url_fetcher=self.fetcher)
            rendered = html.render()
        _set_metadata(rendered.metadata, self.rendition, self.modified, self.keywords)
        return rendered, html.etree_element, warnings

    def write(self, rendered, first_recto: bool = True) -> tuple[bytes, list[Diagnostic]]:
        with _collect_logs(self.where) as warnings, _fixed_font_dates(), self._budget():
            data = rendered.write_pdf(pdf_variant=self.variant,
                                      pdf_identifier=_identifier(self.rendition, self.modified),
                                      finisher=_finisher(self.rendition.layout.settings, self.variant, self.bound,
                                                         first_recto))
        warnings.extend(_fallback_fonts(rendered, self.rendition, self.where))
        warnings.extend(notes_apart(rendered.pages, self.rendition, self.where))
        return data, warnings


# What lays a page out besides bookforge: line breaking, hyphenation, shaping, fonts, the PDF writer.
TYPESETTING_PACKAGES = ("weasyprint", "pydyf", "fonttools", "pyphen", "tinycss2", "cssselect2", "tinyhtml5")


def _typesetting_tools() -> tuple:
    """The versions of what lays pages out: a chunk laid out by other versions is not reused."""
    from weasyprint.text.ffi import pango

    versions = []
    for package in TYPESETTING_PACKAGES:
        try:
            versions.append((package, importlib.metadata.version(package)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((package, None))
    return tuple(versions), ("pango", pango.pango_version())


def _raise_errors(problems: list[Diagnostic]) -> None:
    if any(problem.severity == "error" for problem in problems):
        raise BookforgeError(problems)


def _cmyk_profile(rendition: Rendition) -> bytes:
    for path in CMYK_PROFILES:
        if path.is_file():
            return path.read_bytes()
    layout = rendition.layout
    raise BookforgeError([Diagnostic(
        "pdf-variant", f"`{layout.settings['pdf_variant']}` needs a CMYK output profile and none is installed",
        layout.origins.get("pdf_variant"), "install Debian's `libgs-common` (scripts/install-system-deps.sh does)")])


def _set_metadata(metadata, rendition: Rendition, modified: datetime, keywords: bool = True) -> None:
    """Dates from SOURCE_DATE_EPOCH (PDF/X would stamp the wall clock), keywords from the book's subjects (join.py
    writes the same for a PDF joined from chunks)."""
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata.created = metadata.modified = stamp
    metadata.keywords = list(rendition.book.metadata.subjects or ()) if keywords else []
    metadata.generator = "bookforge"


def _identifier(rendition: Rendition, modified: datetime) -> bytes:
    """The PDF's /ID: the same for the same edition, layout and date, so builds are reproducible."""
    seed = "|".join((rendition.edition.identifier or rendition.edition_name, rendition.layout.name,
                     str(rendition.layout.settings["pdf_variant"]), modified.isoformat()))
    return hashlib.md5(seed.encode("utf-8")).hexdigest().encode("ascii")


def _finisher(settings, variant: str | None, bound: bool, first_recto: bool = True):
    """Edits WeasyPrint's PDF objects before they are written: exact bleed boxes, no annotations for the press, an
    interior's page labels (the folios as printed)."""
    bleed = bleed_points(settings) if bound else max(bleed_points(settings), COVER_BLEED * 72)

    def finish(document, pdf) -> None:
        if bound:
            pdf.catalog["PageLabels"] = labels.pydyf_labels(pagemap.page_counters(document.pages))
        pages = [obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/Page"]
        for index, page in enumerate(pages):
            if variant and variant.startswith("pdf/x"):
                # PDF/X allows no annotation in the printed area: links mean nothing on paper.
                page.pop("Annots", None)
            if settings["crop_marks"]:
                # With crop marks the MediaBox holds a slug for them; the BleedBox is the bleed itself, with
                # none on the bound (inside) edge: left on rectos, right on versos.
                left, top, right, bottom = (float(v) for v in page["TrimBox"])
                recto = (index % 2 == 0) == first_recto
                inside_left = 0 if bound and recto else bleed
                inside_right = 0 if bound and not recto else bleed
                page["BleedBox"] = type(page["TrimBox"])([
                    left - inside_left, top - bleed, right + inside_right, bottom + bleed])
        for obj in pdf.objects:
            if getattr(obj, "stream", None) and obj.stream[0] == TO_UNICODE_START:
                # A font has one glyph for the space and the no-break space, and WeasyPrint maps it to whichever
                # it drew first; copied text gets a plain space either way, the same in every build of the book.
                obj.stream[:] = [line.replace(b"<00a0>", b"<0020>") if line.startswith(b"<") else line
                                 for line in obj.stream]

    return finish


def _fallback_fonts(rendered, rendition: Rendition, where: Location) -> list[Diagnostic]:
    """Text in a font the layout did not ship came from this machine's fonts: another machine prints it otherwise.
    (Characters no font of the fallback chain has were reported already, located in the manuscript.)"""
    if rendition.fallback.missing:
        return []
    declared = {rendition.layout.settings["body_font"], rendition.layout.settings["heading_font"],
                *rendition.fallback.families}  # WeasyPrint names a face by its @font-face family
    foreign = sorted({font.family for font in rendered.fonts.values()} - declared)
    return [Diagnostic("font-fallback", f"some characters are missing from the layout's fonts, so this machine's "
                       f"`{family}` was used for them", where, "choose a font that has every character of the "
                       "book, or remove the characters", severity="warning") for family in foreign]


NOTDEF_LOG = ".notdef glyph rendered for Unicode string unsupported by fonts: "


def _not_reported(warnings: list[Diagnostic], rendition: Rendition) -> list[Diagnostic]:
    """WeasyPrint's warnings without its one per missing character: the fallback chain's warnings name them, once
    per script and where they are written."""
    missing = "".join(rendition.fallback.missing.values())

    def reported(warning: Diagnostic) -> bool:
        text = warning.message.removeprefix(NOTDEF_LOG)
        return (warning.code == "pdf-render" and text != warning.message and text.count('"') >= 2
                and all(char in missing for char in text.split('"')[1]))

    return [warning for warning in warnings if not reported(warning)]


def _resource_fetcher(weasyprint, resources: dict[str, bytes]):
    class ResourceFetcher(weasyprint.urls.URLFetcher):
        """Serves the rendition's own stylesheets, fonts and images; refuses every other URL."""

        def fetch(self, url, headers=None):
            inline = css.DATA_IMAGE.match(url)
            if inline is not None:  # a bitmap embedded in an SVG or a stylesheet: no file, no network
                body = base64.b64decode("".join(inline[2].split()))
                return weasyprint.urls.URLFetcherResponse(url, body=body,
                                                          headers={"Content-Type": f"image/{inline[1].lower()}"})
            path = url.removeprefix(BOOK_URL).split("#")[0].split("?")[0]
            if not url.startswith(BOOK_URL) or path not in resources:
                raise ValueError(f"not part of the book: {url}")
            mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, body=resources[path], headers={"Content-Type": mime})

    return ResourceFetcher()


@contextlib.contextmanager
def _fixed_font_dates() -> Iterator[None]:
    """fontTools stamps each font subset with the time (or SOURCE_DATE_EPOCH): a fixed one, so that a PDF's bytes
    depend on the date only through its metadata (and a chunk laid out yesterday is as good as one laid out now)."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
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
