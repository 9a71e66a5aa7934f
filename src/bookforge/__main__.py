import os
import sys

# `python -m bookforge` puts the working folder first on sys.path: run in a book project, a `click.py` or
# `weasyprint/` there would be imported as bookforge's own code. (`python -P` and the `bookforge` command do not.)
if not sys.flags.safe_path and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from bookforge.cli import main  # noqa: E402 (after the path is made safe)

main(prog_name="bookforge")
