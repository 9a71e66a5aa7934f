"""bookforge's version, in a module of its own so that no module needs the package root."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bookforge")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
