"""Write a realistic book project for benchmarks: N chapters of scenes and notes with inline markup.

    python bench/make_manuscript.py OUT_DIR [--words 85000] [--chapters 30] [--scale 1]

Sentences are drawn (seeded, so every run writes the same book) from the sample manuscript, with emphasis,
strong text, quotes, dashes and links sprinkled in as an author would.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def sentences() -> list[str]:
    found: list[str] = []
    for path in sorted((REPO / "manuscript").glob("0*.yaml")):
        for entry in yaml.safe_load(path.read_text())["entries"]:
            for value in entry.values():
                found.extend(s for s in re.split(r"(?<=[.!?])\s+", str(value)) if len(s.split()) > 6)
    return found


def decorate(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    roll = rng.random()
    if roll < 0.08:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    elif roll < 0.12:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    elif roll < 0.14:
        i = rng.randrange(len(words) - 1)
        words[i] = f"[{words[i]}](https://example.org/{i})"
    elif roll < 0.18:
        return f'"{sentence}" -- or so it seemed...'
    return " ".join(words)


def paragraph(rng: random.Random, pool: list[str], words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(decorate(rng.choice(pool), rng))
    return " ".join(out)


def make(out: Path, words: int, chapters: int) -> Path:
    rng = random.Random(1969)
    pool = sentences()
    manuscript = out / "manuscript"
    if out.exists():
        shutil.rmtree(out)
    manuscript.mkdir(parents=True)
    shutil.copytree(REPO / "assets", out / "assets")
    shutil.copytree(REPO / "layouts", out / "layouts")
    for extra in (REPO / "manuscript").glob("[!0]*.yaml"):  # front and back matter that editions name
        shutil.copy(extra, manuscript / extra.name)
    per_chapter = words // chapters
    contents: list[object] = ["title-page", "copyright-page", "table-of-contents"]
    for n in range(1, chapters + 1):
        entries, written = [], 0
        kind = "scene" if n % 2 else "note"
        while written < per_chapter:
            text = "\n\n".join(paragraph(rng, pool, rng.randint(60, 160)) for _ in range(rng.randint(1, 3)))
            aside = paragraph(rng, pool, rng.randint(20, 50))
            title = " ".join(rng.choice(pool).split()[:rng.randint(2, 5)]).strip(",.;")
            entry = {"type": kind, "title": title, "text": text,
                     ("context" if kind == "scene" else "why_it_matters"): aside}
            entries.append(entry)
            written += len(text.split()) + len(aside.split()) + len(title.split())
        name = f"{n:02d}-chapter.yaml"
        (manuscript / name).write_text(yaml.safe_dump(
            {"title": f"Chapter {n}", "entries": entries}, allow_unicode=True, sort_keys=False, width=100))
        contents.append({"chapter": name})
    book = yaml.safe_load((REPO / "manuscript" / "book.yaml").read_text())
    book["contents"] = contents
    (manuscript / "book.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False))
    return out


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
