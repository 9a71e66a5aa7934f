"""The images entries and prose name: read once at load, from the project's assets/ (or, when the book allows it, a
public http(s) address), and checked from their bytes."""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import http.client
import io
import ipaddress
import re
import socket
import threading
import urllib.parse
import urllib.request
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from lxml import etree

from bookforge.errors import Diagnostic, Location, did_you_mean
from bookforge.files import (
    MISSING,
    OUTSIDE,
    TOO_LARGE,
    Refused,
    inside,
    read_inside,
    refusal,
)
from bookforge.manuscript.model import Chapter, ImageFile, ImageUse
from bookforge.manuscript.svg import check_svg
from bookforge.manuscript.svg import parser as svg_parser

REMOTE_TIMEOUT = 20
"""Seconds a remote image may take in all, from connecting to the last byte (with `remote_images: true`)."""
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
"""Names bookforge's own files take in the EPUB (bookforge.epub.cover.IMAGE)."""
SVG_ROOT = "{http://www.w3.org/2000/svg}svg"
_given: contextvars.ContextVar[Mapping[str, bytes] | None] = contextvars.ContextVar("remote_images", default=None)


@contextlib.contextmanager
def remote_images_given(images: Mapping[str, bytes]) -> Iterator[None]:
    """Loads in this block take each remote image from `images` (by URL) and fetch none: a catalogue's worker builds
    from the bytes the asking machine fetched (catalogue/pack.py), which its input hash covers. They are checked
    as fetched ones are."""
    token = _given.set(images)
    try:
        yield
    finally:
        _given.reset(token)


def load_images(root: Path, chapters: list[Chapter], problems: list[Diagnostic],
                 remote: bool = False) -> dict[str, ImageFile]:
    """Every image the entries and prose name, read once and checked: in the project's assets/, a real image, not
    too big.

    With `remote` (book.yaml's `remote_images: true`) an http(s) `src` is fetched, from public addresses only.
    """
    images: dict[str, ImageFile] = {}
    refused: dict[str, Diagnostic] = {}
    for chapter in chapters:
        for use in chapter.figures():  # its entries' images, then the images in its prose
            src, where = use.src, _src_location(use)
            if use.alt is None and not use.decorative:
                problems.append(_missing_alt(use))
            if src in images:
                continue
            if src in refused:
                # Each use of a bad image is reported, so that the author finds every one.
                problems.append(replace(refused[src], location=where))
                continue
            image, problem = load_image(root, src, where, remote)
            if problem is not None:
                refused[src] = problem
                problems.append(problem)
            else:
                images[src] = image
    return images


def _src_location(use: ImageUse) -> Location | None:
    """Where the image's file is named: the field itself (`src: ...`), or the `src` of its mapping."""
    value = getattr(use.entry, use.field)
    return use.entry.location_of(use.field) if isinstance(value, str) else value.location_of("src")


def _missing_alt(use: ImageUse) -> Diagnostic:
    """An image with neither a text alternative nor a mark as decoration, in the words its type's fields use."""
    field = use.entry.declared.fields[use.field]
    alt, decorative = (field.alt, field.decorative) if field.alt else ("alt", "decorative")
    instead = f"; write `{decorative}: true` instead when it only decorates" if decorative else ""
    hint = f"describe what the image shows in `{alt}:`, for readers who cannot see it{instead}"
    if field.alt:
        return Diagnostic("missing-alt", f"this {use.entry.type} has no `{alt}` text", use.entry.location, hint)
    where = getattr(use.entry, use.field).location
    return Diagnostic("missing-alt", f"the image `{use.field}` has no `alt` text", where, hint)


def load_image(root: Path, src: str, where: Location | None, remote: bool = False,
               reserved: frozenset[str] = RESERVED_IMAGES) -> tuple[ImageFile | None, Diagnostic | None]:
    """The image `src` names, or the problem with it; `reserved` names what the book's own files are called."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", src):  # a URL scheme (one letter would be a Windows drive)
        data, problem = _remote_image(src, where) if remote else (None, Diagnostic(
            "remote-image", f"`{src}` is not a file of the project: remote images are not fetched", where,
            f"download the image into {ASSETS_DIR}/ and name it here, e.g. `images/photo.jpg` (or set "
            "`remote_images: true` in book.yaml)"))
        if problem is not None:
            return None, problem
        return _checked_image(data, src, where, None)
    assets = (root / ASSETS_DIR).resolve()
    keep = f"keep images in the project's {ASSETS_DIR}/ folder and name them relative to it, e.g. `images/photo.jpg`"
    if Path(src).is_absolute() or ".." in Path(src).parts:
        return None, Diagnostic("path-outside", f"`{src}` is outside the project's {ASSETS_DIR}/ folder", where, keep)
    try:
        path = inside(assets, src)  # follows every symbolic link, so a link pointing out is caught too
    except Refused as exc:
        if exc.kind == OUTSIDE:
            return None, Diagnostic("path-outside", f"`{src}` is outside the project's {ASSETS_DIR}/ folder", where,
                                    keep)
        return None, Diagnostic("bad-path", f"`{src}` cannot be opened: {exc.detail}", where, keep)
    if not IMAGE_NAME.fullmatch(src):
        return None, Diagnostic("bad-path", f"`{src}` is not a plain file name", where, "name images and their "
                                "folders with letters, digits, `-`, `_` and `.` only (no spaces, no `./`)")
    if src in reserved:
        return None, Diagnostic("bad-path", f"`{src}` is the name of the ebook's own cover image", where,
                                "rename the image or its folder")
    try:
        data = read_inside(assets, src, MAX_IMAGE_BYTES)
    except Refused as exc:
        if exc.kind == MISSING:
            return None, Diagnostic("file-missing", f"there is no file `{ASSETS_DIR}/{src}`", where,
                                    _existing_images_hint(assets, src))
        if exc.kind == TOO_LARGE:
            return None, _too_large(src, exc.size, where)
        return None, refusal(exc, f"{ASSETS_DIR}/{src}", where, MAX_IMAGE_BYTES, keep)
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
    unsafe = check_svg(data) if kind == "SVG" else None
    if unsafe is not None:
        return None, Diagnostic("not-an-image", f"`{src}` cannot go into a book: {unsafe}", where,
                                "save it as plain SVG with only shapes, paths, text and gradients (no scripts, "
                                "animation, HTML, or links to other files; images embedded)")
    # A remote image gets a file name of its own in the book, made from its address.
    path = src if suffix is not None else f"images/remote-{hashlib.sha256(src.encode()).hexdigest()[:16]}{suffixes[0]}"
    return ImageFile(media_type, data, width, height, path=path), None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead anywhere, loopback included: it is refused


def _remote_image(url: str, where: Location | None) -> tuple[bytes | None, Diagnostic | None]:
    given = _given.get()
    if given is None:
        return fetch_remote_image(url, where)
    if url not in given:
        return None, Diagnostic("remote-image", f"`{url}` was not sent with the book, and is not fetched here", where)
    return given[url], None


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
    try:
        data = _download(url, REMOTE_TIMEOUT)
    except TimeoutError:
        return None, Diagnostic("remote-image", f"`{url}` did not arrive within {REMOTE_TIMEOUT} s", where,
                                "download the image into assets/ and name that file instead")
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return None, Diagnostic("remote-image", f"`{url}` could not be fetched: {exc}", where)
    if len(data) > MAX_IMAGE_BYTES:
        return None, _too_large(url, len(data), where)
    return data, None


def _download(url: str, seconds: float) -> bytes:
    """The body of `url` (at most MAX_IMAGE_BYTES + 1 bytes; a redirect is refused), or TimeoutError when the whole
    fetch takes longer than `seconds`: a socket timeout only bounds each read, which a server sending a byte now
    and then never reaches. The fetch runs in a thread of its own; at the deadline its connection is shut."""
    opened = _Connections()
    opener = urllib.request.build_opener(_NoRedirects, _HTTP(opened), _HTTPS(opened))
    outcome: dict[str, object] = {}

    def fetch() -> None:
        try:
            with opener.open(url, timeout=seconds) as response:
                outcome["data"] = response.read(MAX_IMAGE_BYTES + 1)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=fetch, name="bookforge-remote-image", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        opened.shut()  # the thread ends at its next read, and gives up its socket
        raise TimeoutError(f"no complete answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["data"]  # type: ignore[return-value]


class _Connections:
    """The HTTP connections of one fetch, to be shut when its time is up."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []
        self._shut = False

    def factory(self, cls: type[http.client.HTTPConnection]):
        def make(host: str, **kwargs) -> http.client.HTTPConnection:
            connection = cls(host, **kwargs)
            with self._lock:
                if self._shut:
                    raise TimeoutError("the time for this fetch is up")
                self._open.append(connection)
            return connection
        return make

    def shut(self) -> None:
        with self._lock:
            self._shut = True
            for connection in self._open:
                if connection.sock is not None:
                    with contextlib.suppress(OSError):  # the plain socket's shutdown: also under TLS
                        socket.socket.shutdown(connection.sock, socket.SHUT_RDWR)


class _HTTP(urllib.request.HTTPHandler):
    def __init__(self, opened: _Connections):
        super().__init__()
        self.opened = opened

    def http_open(self, req):
        return self.do_open(self.opened.factory(http.client.HTTPConnection), req)


class _HTTPS(urllib.request.HTTPSHandler):
    def __init__(self, opened: _Connections):
        super().__init__()
        self.opened = opened

    def https_open(self, req):
        return self.do_open(self.opened.factory(http.client.HTTPSConnection), req, context=self._context)


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
        root = etree.fromstring(data, svg_parser())
    except (etree.XMLSyntaxError, ValueError):
        return None, None, None
    return ("SVG" if root.tag == SVG_ROOT else None), None, None


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
