"""bookforge: YAML manuscripts -> EPUB 3 and print-ready PDF, one edition per layout."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bookforge")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

from .errors import BookforgeError, Diagnostic, Location  # noqa: E402
from .load import load_book  # noqa: E402
from .layout import load_layout  # noqa: E402
from .render import render  # noqa: E402
from .build import build  # noqa: E402

__all__ = ["BookforgeError", "Diagnostic", "Location", "__version__", "build", "load_book", "load_layout", "render"]
