"""The images a source's prose shows: read from the source (or a `data:` address), checked as a figure's image is,
named under assets/images/, a bitmap in another format saved as PNG."""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from lxml import etree

from bookforge.errors import BookforgeError, Diagnostic, Location
from bookforge.importing.markup import escape
from bookforge.importing.model import ImportedImage
from bookforge.manuscript.images import (
    IMAGE_FORMATS,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    RESERVED_IMAGES,
    _checked_image,
    _identify,
)

SOURCE_COVER = "source-cover"
"""The stem of the source's own cover under assets/images/ (write.py): no image of the text takes it."""

if TYPE_CHECKING:
    from bookforge.importing.markdown_out import Prose


class ImageStore:
    """The images of one import, each read and checked once however often the prose shows it; problems that stop
    the import go to `errors`, the rest are reported where the image stands."""

    def __init__(self, read_image: Callable[[str, str], bytes | None], errors: list[Diagnostic]):
        self.read_image, self.errors = read_image, errors
        self.images: dict[str, ImportedImage] = {}
        self._image_paths: dict[tuple[str, str], str] = {}

    def imported(self) -> tuple[ImportedImage, ...]:
        """Every image kept, for assets/images/."""
        return tuple(self.images.values())

    def figure(self, prose: Prose, element: etree._Element, caption: str) -> str:
        """The Markdown of an image (`![alt](images/x.png "caption")`), its file kept; "" when it cannot go in."""
        src = (element.get("src") or "").strip()
        alt = element.get("alt")
        key = (prose.document, src)
        if key not in self._image_paths:
            try:
                data = _data_uri(src) if src.startswith("data:") else self.read_image(prose.document, src) \
                    if src else None
            except BookforgeError as exc:  # refused (outside the folder, too large): said at the image
                place = prose.where(element)
                self.errors.extend(replace(d, location=Location(place[0], place[1], 1 if place[1] else 0))
                                   for d in exc.diagnostics)
                return ""
            if data is None:
                prose.report(element, f"the image `{src[:60]}` is not in the source (or cannot be read) and was left "
                             "out")
                return ""
            path = self._image_path(src, data, prose.where(element), prose, element)
            if path is None:
                return ""
            self._image_paths[key] = path
        path = self._image_paths[key]
        title = ' "' + caption.replace("\\", "\\\\").replace('"', '\\"') + '"' if caption else ""
        if alt is None or not alt.strip():
            if alt is None:
                prose.report(element, "an image has no alt text: it was marked decorative",
                             f"describe what `{path}` shows between the brackets, and remove `{{.decorative}}`")
            return f"![]({path}{title}){{.decorative}}"
        return f"![{escape(' '.join(alt.split()))}]({path}{title})"

    def _image_path(self, src: str, data: bytes, place: tuple[str, int], prose: Prose,
                    element: etree._Element) -> str | None:
        """The image's path under assets/, checked as a figure's image is; a bitmap in another format Pillow reads
        (TIFF, BMP, WebP) saved as PNG; None (reported, or an error if too large) when it cannot go in."""
        kind = _identify(data)[0]
        if kind not in IMAGE_FORMATS:
            data, kind = _as_png(data)
            if data is None:
                prose.report(element, f"the image `{src[:60]}` is not a PNG, JPEG, GIF or SVG image (nor a bitmap "
                             "that can be made one) and was left out", "save it as PNG or JPEG and add it again")
                return None
            prose.report(element, f"the image `{src[:60]}` was saved as PNG (a book holds PNG, JPEG, GIF or SVG)")
        suffix = IMAGE_FORMATS[kind][1][0]
        name = "embedded" if src.startswith("data:") else PurePosixPath(src.split("?")[0]).stem
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "image"
        path = f"images/{stem}{suffix}"
        taken = {known.casefold() for known, image in self.images.items() if image.data != data}
        if path in RESERVED_IMAGES or stem.casefold() == SOURCE_COVER or path.casefold() in taken:
            path = f"images/{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"
        image, problem = _checked_image(data, path, Location(place[0], place[1], 1 if place[1] else 0), suffix)
        if problem is not None and problem.code == "not-an-image":  # an SVG with scripts or links: never let in
            prose.report(element, f"{problem.message}: it was left out", problem.hint)
            return None
        if problem is not None:
            self.errors.append(problem)
            return None
        self.images[path] = ImportedImage(image.path, data)
        return path


def _as_png(data: bytes) -> tuple[bytes | None, str | None]:
    """A bitmap Pillow reads (TIFF, BMP, WebP...) as PNG bytes, if it is within the book's pixel limit (checked from
    its header, before its pixels are decoded)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > MAX_IMAGE_PIXELS:
                    return None, None
                buffer = io.BytesIO()
                opened.save(buffer, "PNG")
    except Exception:  # Pillow raises many kinds of error for a file it cannot read: then it is no image here
        return None, None
    return buffer.getvalue(), "PNG"


def _data_uri(src: str) -> bytes | None:
    """The bytes of a `data:image/...;base64,` image (Markdown and HTML may embed one), within the image limit."""
    found = re.match(r"data:image/[\w.+-]+;base64,(.*)$", src, re.DOTALL)
    if found is None or len(found[1]) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        return None
    try:
        return base64.b64decode(found[1], validate=True)
    except binascii.Error:
        return None
