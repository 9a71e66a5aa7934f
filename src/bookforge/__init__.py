"""bookforge: YAML manuscripts -> EPUB 3 and print-ready PDF, one edition per layout.

The package root is the public API. Its names are imported when first used, so that `import bookforge.errors`
(or a worker process) does not load the whole pipeline; no module of bookforge imports the root.
"""

from importlib import import_module

from bookforge._version import __version__

_PUBLIC = {
    "BookforgeError": "bookforge.errors", "Diagnostic": "bookforge.errors", "Location": "bookforge.errors",
    "load_book": "bookforge.manuscript.load", "load_layout": "bookforge.layout.chain",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'bookforge' has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name]), name)
