"""Write a realistic book project for benchmarks: N chapters of scenes and notes with inline markup.

    python bench/make_manuscript.py OUT_DIR [--words 85000] [--chapters 30] [--scale 1]

The book is the one the tests generate (tests/books.py): sentences drawn, seeded, from the sample manuscript.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.books import make  # noqa: E402

__all__ = ["make"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--words", type=int, default=85_000)
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply words and chapters")
    args = parser.parse_args()
    make(args.out, int(args.words * args.scale), max(1, int(args.chapters * args.scale)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
