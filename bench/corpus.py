"""Long public-domain books as bookforge projects: the benchmark corpus.

    python bench/corpus.py SOURCE OUT [--straight]

SOURCE is a Standard Ebooks source repository (a git clone or mirror of github.com/standardebooks/...; their
transcriptions are dedicated to the public domain, CC0), its src/ folder, or any EPUB. It is read by `bookforge
import` (src/bookforge/importing/): the spine's documents become Markdown chapters and front and back matter, the
metadata book.yaml, the images assets/images/. `--straight` writes straight quotes and apostrophes instead of the
source's curly ones, so bookforge's smart quotes can be compared with a proof-read text (bench/real_books.py).

The converted manuscripts of the corpus are kept in bench/corpus/<book>/manuscript (the sources are not needed to
run the benchmarks); `bench/corpus.py --all` rewrites them from the mirrors listed in SOURCES. (The manuscripts
committed today were made by this script's earlier converter, YAML chapters of body matter only; they are kept
until the benchmarks' figures are measured again.)
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from bookforge.importing.run import import_book  # noqa: E402

CORPUS = REPO / "bench" / "corpus"
MIRRORS = Path("/work/.mirror")
SOURCES = {  # book folder in bench/corpus -> Standard Ebooks repository
    "sherlock-holmes": "standardebooks/arthur-conan-doyle_the-adventures-of-sherlock-holmes",
    "devils-dictionary": "standardebooks/ambrose-bierce_the-devils-dictionary",
}
STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _unpacked(source: Path, scratch: Path) -> Path:
    """The EPUB's files: a working tree's src/, or a bare mirror's HEAD:src checked out into `scratch`."""
    if source.is_file() or (source / "META-INF").is_dir():
        return source
    if (source / "src").is_dir():
        return source / "src"
    archive = subprocess.run(["git", "-C", str(source), "archive", "--format=tar", "HEAD", "src"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(scratch, filter="data")
    return scratch / "src"


def convert(source: Path, out: Path, straight: bool = False) -> Path:
    if out.exists():
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory() as scratch:
        import_book(_unpacked(source, Path(scratch)), out)
    if straight:
        for path in (out / "manuscript").glob("*.md"):
            path.write_text(path.read_text(encoding="utf-8").translate(STRAIGHT), encoding="utf-8")
    return out


def project(book: str, folder: Path, straight: bool = False) -> Path:
    """A buildable project of corpus book `book` in `folder`: its manuscript, and this repository's layouts and
    fonts (with `straight`, the manuscript's quotes made straight)."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(CORPUS / book / "manuscript", folder / "manuscript")
    shutil.copytree(REPO / "assets", folder / "assets")
    if (CORPUS / book / "assets").is_dir():  # the book's own images
        shutil.copytree(CORPUS / book / "assets", folder / "assets", dirs_exist_ok=True)
    shutil.copytree(REPO / "layouts", folder / "layouts")
    if straight:
        for path in [*(folder / "manuscript").glob("0*.yaml"), *(folder / "manuscript").glob("0*.md")]:
            path.write_text(path.read_text(encoding="utf-8").translate(STRAIGHT), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="?")
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--straight", action="store_true", help="straight quotes, for bench/quotes.py")
    parser.add_argument("--all", action="store_true", help="rewrite bench/corpus from the mirrors in SOURCES")
    args = parser.parse_args()
    if args.all:
        for book, repository in SOURCES.items():
            mirror = MIRRORS / repository.replace("/", "+") / "repo"
            if not mirror.exists():
                sys.exit(f"no mirror of {repository} at {mirror}")
            converted = convert(mirror, Path("/tmp") / f"corpus-{book}")
            for part in ("manuscript", "assets"):
                target = CORPUS / book / part
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(converted / part, target)
            print(f"wrote {CORPUS / book}")
        return
    if args.source is None or args.out is None:
        parser.error("give SOURCE and OUT, or --all")
    print(f"wrote {convert(args.source, args.out, args.straight)}")


if __name__ == "__main__":
    main()
