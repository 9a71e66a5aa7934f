"""Load a book project: manuscript/*.yaml -> a validated, immutable Book. Every problem is collected, then raised once."""

from __future__ import annotations

import hashlib
import io
import ipaddress
import re
import socket
import urllib.parse
import urllib.request
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from lxml import etree

from bookforge.errors import BookforgeError, Diagnostic, Location, by_location, did_you_mean, display_path
from bookforge.manuscript.model import (FILE_REFS, LAYOUT_NAME, BackMatterRef, Book, BookFile, Chapter, ChapterRef,
                                       Edition, Figure, FrontMatterRef, ImageFile, Part)
from bookforge.manuscript.validate import validate
from bookforge.manuscript.yamlfile import MAX_FILE_BYTES, YamlDocument, read_yaml

MANUSCRIPT_DIR = "manuscript"
BOOK_FILE = "book.yaml"

# Limits on the whole book, so that a hostile or broken manuscript can neither hang the build nor take gigabytes
# of memory; print layout time and memory grow with headings and text (README, "Security").
MAX_CONTENTS = 300
"""Items in `contents`."""
MAX_CHAPTER_ENTRIES = 1_000
"""Entries in one chapter file."""
MAX_BOOK_ENTRIES = 3_000
"""Entries in all the manuscript files together."""
MAX_MANUSCRIPT_BYTES = 4 * 1024 * 1024
REMOTE_TIMEOUT = 20
"""Seconds to wait for a remote image (with `remote_images: true`)."""
"""book.yaml and every file it names, together."""
ASSETS_DIR = "assets"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""One image file (the stores' own limits are larger; a book of such images would not be)."""
MAX_IMAGE_PIXELS = 5_600_000
"""Apple Books refuses images over 5.6 megapixels."""
IMAGE_FORMATS = {"PNG": ("image/png", (".png",)), "JPEG": ("image/jpeg", (".jpg", ".jpeg")),
                 "GIF": ("image/gif", (".gif",)), "SVG": ("image/svg+xml", (".svg",))}
# Image names become file names in the EPUB and URLs in both outputs: plain ones need no escaping anywhere.
IMAGE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
RESERVED_IMAGES = frozenset({"images/cover.jpg"})
"""Names bookforge's own files take in the EPUB (epubcover.IMAGE)."""
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"


class _Budget:
    """What the manuscript files read so far add up to."""

    def __init__(self, used_bytes: int) -> None:
        self.bytes, self.entries = used_bytes, 0


def load_book(root: Path) -> Book:
    """The manuscript of the project at `root`, validated; raises with every problem found in it."""
    book, _, problems = read_book(root)
    if problems or book is None:
        raise BookforgeError(sorted(problems, key=by_location))
    return book


def read_book(root: Path) -> tuple[Book | None, Mapping[str, Edition] | None, list[Diagnostic]]:
    """(the book or None, the editions book.yaml declares or None, every problem found): a caller that checks the
    editions' layouts too can report their problems with the manuscript's."""
    root = root.resolve()
    book_path = root / MANUSCRIPT_DIR / BOOK_FILE
    shown = display_path(book_path, root)
    if not book_path.is_file():
        return None, None, [Diagnostic(
            "no-book", f"there is no {shown} here", Location(shown),
            "run bookforge in a book project folder, or create one with `bookforge new DIR`")]
    problems: list[Diagnostic] = []
    doc = read_yaml(book_path, shown)
    book_file = validate(BookFile, doc, problems)
    _check_contents_length(doc, problems)
    # Chapter files are read even when book.yaml has problems, so the author sees every mistake at once.
    budget = _Budget(len(doc.source.encode("utf-8", "surrogatepass")))
    chapters = {path: _load_chapter(root, relative, doc.where(path + (key,)), problems, budget)
                for path, key, relative in _named_files(doc.data)[:MAX_CONTENTS * 2]}
    if book_file is not None:
        _check_exclusions(book_file, doc, problems)
        _check_layout_names(book_file, doc, problems)
    remote = isinstance(doc.data, dict) and doc.data.get("remote_images") is True
    images = _load_images(root, [chapter for chapter in chapters.values() if chapter is not None], problems, remote)
    if book_file is None or problems:
        return None, book_file.editions if book_file is not None else None, problems

    seen_ids: set[str] = set()
    parts: list[Part] = []
    in_body = False
    for index, item in enumerate(book_file.contents):
        part = _part(item, ("contents", index), doc, chapters, seen_ids, in_body)
        in_body = in_body or part.role == "body"
        parts.append(part)
    extras = {name: tuple(_part(item, ("editions", name, "extra", index), doc, chapters, seen_ids, True)
                          for index, item in enumerate(edition.extra))
              for name, edition in book_file.editions.items() if edition.extra}
    return Book(metadata=book_file.metadata, parts=tuple(parts), editions=book_file.editions, root=str(root),
                extras=extras, images=images), book_file.editions, []


def _part(item: object, path: tuple, doc: YamlDocument, chapters: dict[tuple, Chapter | None], seen_ids: set[str],
          in_body: bool) -> Part:
    where = doc.where(path)
    if isinstance(item, str):
        role = "back" if in_body and item != "table-of-contents" else "front"
        return Part(id=_unique(item, seen_ids), kind=item, role=role, location=where)
    role = {ChapterRef: "body", FrontMatterRef: "front", BackMatterRef: "back"}[type(item)]
    relative = next(iter(item.model_dump().values()))
    # `01-memorable-scenes.yaml` -> `memorable-scenes`: an XML id may not start with a digit.
    stem = re.sub(r"[^a-z0-9]+", "-", Path(relative).stem.lower()).strip("-0123456789") or "part"
    return Part(id=_unique(stem, seen_ids), kind="chapter", role=role, chapter=chapters[path], file=relative,
                location=where)


def _check_exclusions(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    named = [next(iter(item.model_dump().values())) for item in book_file.contents if not isinstance(item, str)]
    for name, edition in book_file.editions.items():
        for index, excluded in enumerate(edition.exclude):
            if excluded not in named:
                problems.append(Diagnostic("unknown-file", f"edition `{name}` leaves out `{excluded}`, which "
                                           "`contents` does not name", doc.where(("editions", name, "exclude", index)),
                                           did_you_mean(excluded, named)))


def _check_contents_length(doc: YamlDocument, problems: list[Diagnostic]) -> None:
    contents = doc.data.get("contents") if isinstance(doc.data, dict) else None
    if isinstance(contents, list) and len(contents) > MAX_CONTENTS:
        problems.append(Diagnostic("too-many-parts", f"`contents` names {len(contents)} items; at most "
                                   f"{MAX_CONTENTS} are allowed", doc.where(("contents", MAX_CONTENTS)),
                                   "put several chapters into one file"))


def _check_layout_names(book_file: BookFile, doc: YamlDocument, problems: list[Diagnostic]) -> None:
    """A layout is named, never given as a path: `../../x` must not reach a folder outside the project."""
    for name, edition in book_file.editions.items():
        if not LAYOUT_NAME.fullmatch(edition.layout):
            problems.append(Diagnostic("bad-layout-name", f"`{edition.layout}` is not a layout name",
                                       doc.where(("editions", name, "layout")),
                                       "name a layout (letters, digits, `-` and `_`), such as `ebook` or `print`; "
                                       "a project's own layouts live in its layouts/ folder"))


def _named_files(data: object) -> list[tuple[tuple, str, str]]:
    """(path of the item, key, file) for each `chapter: FILE`-style item of book.yaml, read from the raw data.

    Items sit in `contents` and in each edition's `extra`.
    """
    if not isinstance(data, dict):
        return []
    lists: list[tuple[tuple, object]] = [(("contents",), data.get("contents"))]
    editions = data.get("editions")
    if isinstance(editions, dict):
        lists += [(("editions", name, "extra"), edition.get("extra"))
                  for name, edition in editions.items() if isinstance(edition, dict)]
    found = []
    for prefix, items in lists:
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and len(item) == 1:
                key, value = next(iter(item.items()))
                # Numbers count as text, as they do for the model (`chapter: 2024`).
                if key in FILE_REFS and isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    if str(value).strip():
                        found.append((prefix + (index,), key, str(value).strip()))
    return found


def _load_chapter(root: Path, relative: str, named_at: Location, problems: list[Diagnostic],
                  budget: _Budget) -> Chapter | None:
    manuscript = root / MANUSCRIPT_DIR
    try:
        # resolve() follows every symbolic link, so a link that points out of the project is caught too.
        path = (manuscript / relative).resolve()
        inside = path.is_relative_to(root)
        is_file = inside and path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a name too long for the system
        problems.append(Diagnostic("bad-path", f"`{relative}` cannot be opened: {getattr(exc, 'strerror', None) or exc}",
                                   named_at, "name a file in the project's manuscript/ folder"))
        return None
    if not inside:
        problems.append(Diagnostic("path-outside", f"`{relative}` is outside the book project", named_at,
                                   "keep manuscript files inside the project's manuscript/ folder"))
        return None
    shown = display_path(path, root)
    if not is_file:
        problems.append(Diagnostic("file-missing", f"there is no file `{shown}`", named_at,
                                   _existing_files_hint(manuscript, relative)))
        return None
    if size <= MAX_FILE_BYTES and budget.bytes + size > MAX_MANUSCRIPT_BYTES:  # a larger file says so itself
        problems.append(Diagnostic("book-too-large", f"with `{shown}` the manuscript is larger than "
                                   f"{MAX_MANUSCRIPT_BYTES // (1024 * 1024)} MB", named_at,
                                   "make one book of several volumes"))
        return None
    budget.bytes += size
    try:
        doc = read_yaml(path, shown)
    except BookforgeError as exc:
        problems.extend(exc.diagnostics)
        return None
    entries = doc.data.get("entries") if isinstance(doc.data, dict) else None
    if isinstance(entries, list) and len(entries) > MAX_CHAPTER_ENTRIES:
        problems.append(Diagnostic("too-many-entries", f"the chapter has {len(entries):,} entries; at most "
                                   f"{MAX_CHAPTER_ENTRIES:,} are allowed in one file",
                                   doc.where(("entries", MAX_CHAPTER_ENTRIES)), "split it into several chapter files"))
        return None
    if isinstance(entries, list) and budget.entries + len(entries) > MAX_BOOK_ENTRIES:
        problems.append(Diagnostic("too-many-entries", f"with `{shown}` the book has more than "
                                   f"{MAX_BOOK_ENTRIES:,} entries", named_at, "make one book of several volumes"))
        return None
    budget.entries += len(entries) if isinstance(entries, list) else 0
    chapter = validate(Chapter, doc, problems)
    if chapter is not None:
        chapter._source = shown
    return chapter


def _load_images(root: Path, chapters: list[Chapter], problems: list[Diagnostic],
                 remote: bool = False) -> dict[str, ImageFile]:
    """Every image the figures name, read once and checked: in the project's assets/, a real image, not too big.

    With `remote` (book.yaml's `remote_images: true`) an http(s) `src` is fetched, from public addresses only.
    """
    images: dict[str, ImageFile] = {}
    refused: dict[str, Diagnostic] = {}
    for chapter in chapters:
        for entry in chapter.entries:
            if not isinstance(entry, Figure):
                continue
            if entry.alt is None and not entry.decorative:
                problems.append(Diagnostic("missing-alt", "this figure has no `alt` text", entry.location,
                                           "describe what the image shows in `alt:`, for readers who cannot see it; "
                                           "write `decorative: true` instead when it only decorates"))
            if entry.src in images:
                continue
            if entry.src in refused:
                # Each use of a bad image is reported, so that the author finds every one.
                problems.append(replace(refused[entry.src], location=entry.location_of("src")))
                continue
            image, problem = _image_problem(root, entry.src, entry.location_of("src"), remote)
            if problem is not None:
                refused[entry.src] = problem
                problems.append(problem)
            else:
                images[entry.src] = image
    return images


def _image_problem(root: Path, src: str, where: Location | None,
                   remote: bool = False) -> tuple[ImageFile | None, Diagnostic | None]:
    """The image `src` names, or the problem with it."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", src):  # a URL scheme (one letter would be a Windows drive)
        data, problem = fetch_remote_image(src, where) if remote else (None, Diagnostic(
            "remote-image", f"`{src}` is not a file of the project: remote images are not fetched", where,
            f"download the image into {ASSETS_DIR}/ and name it here, e.g. `images/photo.jpg` (or set "
            "`remote_images: true` in book.yaml)"))
        if problem is not None:
            return None, problem
        return _checked_image(data, src, where, None)
    assets = root / ASSETS_DIR
    keep = f"keep images in the project's {ASSETS_DIR}/ folder and name them relative to it, e.g. `images/photo.jpg`"
    try:
        path = (assets / src).resolve()  # follows every symbolic link, so a link pointing out is caught too
        inside = not Path(src).is_absolute() and ".." not in Path(src).parts and path.is_relative_to(assets)
        is_file = inside and path.is_file()
        size = path.stat().st_size if is_file else 0
    except (OSError, RuntimeError, ValueError) as exc:
        return None, Diagnostic("bad-path", f"`{src}` cannot be opened: {getattr(exc, 'strerror', None) or exc}",
                                where, keep)
    if not inside:
        return None, Diagnostic("path-outside", f"`{src}` is outside the project's {ASSETS_DIR}/ folder", where, keep)
    if not IMAGE_NAME.fullmatch(src):
        return None, Diagnostic("bad-path", f"`{src}` is not a plain file name", where, "name images and their "
                                "folders with letters, digits, `-`, `_` and `.` only (no spaces, no `./`)")
    if src in RESERVED_IMAGES:
        return None, Diagnostic("bad-path", f"`{src}` is the name of the ebook's own cover image", where,
                                "rename the image or its folder")
    if not is_file:
        return None, Diagnostic("file-missing", f"there is no file `{ASSETS_DIR}/{src}`", where,
                                _existing_images_hint(assets, src))
    if size > MAX_IMAGE_BYTES:
        return None, _too_large(src, size, where)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Diagnostic("file-unreadable", f"`{src}` cannot be read: {exc.strerror or exc}", where)
    return _checked_image(data, src, where, path.suffix.lower())


def _too_large(src: str, size: int, where: Location | None) -> Diagnostic:
    return Diagnostic("image-too-large", f"`{src}` is {size / 1024 / 1024:.1f} MB; an image may have at most "
                      f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB", where, "save it smaller (JPEG for photos)")


def _checked_image(data: bytes, src: str, where: Location | None,
                   suffix: str | None) -> tuple[ImageFile | None, Diagnostic | None]:
    """A real PNG, JPEG, GIF or safe SVG, not too many pixels; `suffix` is the file's (None for a remote image)."""
    kind, width, height = _identify(data)
    if kind is None:
        return None, Diagnostic("not-an-image", f"`{src}` is not a PNG, JPEG, GIF or SVG image", where,
                                "export the image in one of these formats")
    if kind == "bomb" or (width is not None and width * height > MAX_IMAGE_PIXELS):
        size = "has far too many pixels" if kind == "bomb" else (
            f"is {width:,} x {height:,} px ({width * height / 1e6:.1f} megapixels)")
        return None, Diagnostic("image-too-large", f"`{src}` {size}; at most {MAX_IMAGE_PIXELS / 1e6:.1f} megapixels "
                                "are allowed", where, "scale it down (Apple Books refuses larger images), "
                                "e.g. to 2,000 x 2,800 px")
    media_type, suffixes = IMAGE_FORMATS[kind]
    if suffix is not None and (suffix not in suffixes or Path(src).suffix.lower() not in suffixes):
        return None, Diagnostic("not-an-image", f"`{src}` is a {kind} image, but its name does not end in "
                                f"`{suffixes[0]}`", where, f"rename it to end in `{suffixes[0]}`")
    if kind == "SVG" and not _safe_svg(data):
        return None, Diagnostic("not-an-image", f"`{src}` is an SVG with scripts or links to other files", where,
                                "save it as a self-contained SVG (no scripts, no external images, fonts or styles)")
    # A remote image gets a file name of its own in the book, made from its address.
    path = src if suffix is not None else f"images/remote-{hashlib.sha256(src.encode()).hexdigest()[:16]}{suffixes[0]}"
    return ImageFile(media_type, data, width, height, path=path), None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead anywhere, loopback included: it is refused


def fetch_remote_image(url: str, where: Location | None) -> tuple[bytes | None, Diagnostic | None]:
    """An http(s) image, fetched only from public addresses, without redirects, at most MAX_IMAGE_BYTES."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None, Diagnostic("remote-image", f"`{url}` is not an http(s) address", where,
                                "remote images are fetched over http and https only")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0])
                     for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    except (OSError, ValueError) as exc:
        return None, Diagnostic("remote-image", f"`{url}` cannot be reached: {exc}", where)
    if not addresses or not all(address.is_global for address in addresses):
        return None, Diagnostic("remote-image", f"`{url}` points at a loopback, private or reserved address", where,
                                "a manuscript may not make bookforge reach this machine or its network")
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=REMOTE_TIMEOUT) as response:
            data = response.read(MAX_IMAGE_BYTES + 1)
    except (OSError, ValueError) as exc:
        return None, Diagnostic("remote-image", f"`{url}` could not be fetched: {exc}", where)
    if len(data) > MAX_IMAGE_BYTES:
        return None, _too_large(url, len(data), where)
    return data, None


def _identify(data: bytes) -> tuple[str | None, int | None, int | None]:
    """(format, width, height) from the bytes: Pillow for bitmaps, the XML root for SVG; format None if neither.

    The format is `bomb` for a bitmap whose header claims so many pixels that Pillow will not open it.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                kind, (width, height) = opened.format, opened.size
                opened.verify()  # checksums and structure, without decoding the pixels
        if kind in IMAGE_FORMATS:
            return kind, width, height
    except Image.DecompressionBombError:
        return "bomb", None, None
    except Exception:  # Pillow raises many kinds of error for a broken or foreign file; it may still be an SVG
        pass
    try:
        root = etree.fromstring(data, _svg_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None, None, None
    return ("SVG" if root.tag == SVG_ROOT else None), None, None


def _svg_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_OUTSIDE_URL = re.compile(r"url\(\s*['\"]?\s*[^#'\"\s)]|@import", re.IGNORECASE)


def _safe_svg(data: bytes) -> bool:
    """No DTD, no scripts or event handlers, and links only within the SVG itself (`#id`)."""
    root = etree.fromstring(data, _svg_parser())
    if root.getroottree().docinfo.internalDTD is not None:
        return False
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if etree.QName(element).localname in ("script", "foreignObject"):
            return False
        if etree.QName(element).localname == "style" and _OUTSIDE_URL.search(element.text or ""):
            return False
        for name, value in element.attrib.items():
            local = etree.QName(name).localname
            if local.startswith("on") or (local == "href" and not value.strip().startswith("#")):
                return False
            if _OUTSIDE_URL.search(value):
                return False
    return True


def _existing_images_hint(assets: Path, src: str) -> str:
    suffixes = {suffix for _, names in IMAGE_FORMATS.values() for suffix in names}
    existing = sorted(p.relative_to(assets).as_posix() for p in assets.rglob("*")
                      if p.suffix.lower() in suffixes and p.is_file()) if assets.is_dir() else []
    if not existing:
        return f"{ASSETS_DIR}/ holds no images yet"
    close = did_you_mean(src, existing)
    listed = f"{ASSETS_DIR}/ holds " + ", ".join(f"`{name}`" for name in existing[:10]) + (
        f" and {len(existing) - 10} more" if len(existing) > 10 else "")
    return f"{close} ({listed})" if close and close.startswith("did you mean") else listed


def _existing_files_hint(manuscript: Path, relative: str) -> str:
    existing = sorted(p.name for p in manuscript.glob("*.yaml") if p.name != BOOK_FILE)
    if not existing:
        return f"{MANUSCRIPT_DIR}/ holds no manuscript files yet"
    listed = f"{MANUSCRIPT_DIR}/ holds " + ", ".join(f"`{name}`" for name in existing)
    close = did_you_mean(relative, existing)
    return f"{close} ({listed})" if close and close.startswith("did you mean") else listed


def _unique(base: str, seen: set[str]) -> str:
    candidate, n = base, 2
    while candidate in seen:
        candidate, n = f"{base}-{n}", n + 1
    seen.add(candidate)
    return candidate
