"""A tiny book project with a layout of the attacker's choosing, and bookforge run on it as a user would (issue 12)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOOK = """\
metadata:
  title: A Tiny Book
  creators:
    - name: Jane Doe
  language: en
  identifier: urn:uuid:00000000-0000-4000-8000-000000000000
contents:
  - title-page
  - table-of-contents
  - chapter: 01-chapter.yaml
editions:
  ebook:
    format: epub
    layout: {ebook_layout}
    identifier: urn:isbn:9780000000019
  paperback:
    format: pdf
    layout: {print_layout}
    identifier: urn:isbn:9780000000026
"""
CHAPTER = """\
title: The Only Chapter
entries:
- type: scene
  title: The Dream Begins
  text: José gazes at the stars.
  context: It sets up his journey.
"""
SECRET = "SECRET-7f3a9c"
"""What a file outside the project holds: it must never reach a book or an error message."""


def tiny_project(folder: Path, *, ebook_layout: str = "ebook", print_layout: str = "print",
                 chapter: str = CHAPTER) -> Path:
    (folder / "manuscript").mkdir(parents=True, exist_ok=True)
    (folder / "manuscript" / "book.yaml").write_text(BOOK.format(ebook_layout=ebook_layout, print_layout=print_layout),
                                                     encoding="utf-8")
    (folder / "manuscript" / "01-chapter.yaml").write_text(chapter, encoding="utf-8")
    return folder


def hostile_layout(root: Path, *, extends: str = "ebook", settings: str = "", name: str = "hostile",
                   files: dict[str, str] | None = None) -> Path:
    """layouts/NAME extending `extends`, with `settings` (YAML lines under `settings:`) and files (templates/...,
    styles/...)."""
    folder = root / "layouts" / name
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "styles").mkdir(exist_ok=True)
    text = f"extends: {extends}\n" + (f"settings:\n{settings}" if settings else "")
    (folder / "layout.yaml").write_text(text, encoding="utf-8")
    for relative, content in (files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(content, encoding="utf-8")
    return folder


def secret_file(folder: Path, name: str = "secret.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{SECRET}\n", encoding="utf-8")
    return path


@dataclass
class Run:
    code: int | None
    """The exit status; None when it was still running at the time limit (and was killed)."""
    stderr: str
    seconds: float


def run_bookforge(root: Path, *args: str, timeout: float = 120, memory_gb: float = 2.5) -> Run:
    """`bookforge build -C root -j 1 --force ARGS` in its own process, as a user runs it, with a time limit and an
    address-space limit (so that a blow-up shows as a failure here, not as a machine out of memory)."""
    import time

    def limits() -> None:
        cap = int(memory_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(REPO / "src")}
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bookforge", "build", "-C", str(root), "-j", "1", "-q",
                                "--force", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=env, preexec_fn=limits)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        return Run(None, stderr, time.monotonic() - started)
    return Run(process.returncode, stderr, time.monotonic() - started)


def run_cli(root: Path, *args: str) -> Run:
    """The same, in this process (for what cannot hang): quicker than a new interpreter each time."""
    import time

    from click.testing import CliRunner

    from bookforge.cli import main

    started = time.monotonic()
    result = CliRunner().invoke(main, ["build", "-C", str(root), "-j", "1", "-q", "--force", *args])
    assert "Traceback" not in result.output, result.output
    return Run(result.exit_code, result.stderr, time.monotonic() - started)


def outputs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "build").rglob("*") if p.suffix in (".epub", ".pdf")) \
        if (root / "build").exists() else []


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as epub:
        return "".join(epub.read(name).decode("utf-8", "replace") for name in epub.namelist())
