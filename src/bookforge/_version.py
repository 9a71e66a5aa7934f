"""bookforge's version, in a module of its own so that no module needs the package root. pyproject.toml reads it
from here (importlib.metadata would cost ~70 ms at every start)."""

__version__ = "0.1.0"
