"""The no-op build, decided without loading the book or importing the stages: from the last build's sealed list of
what it read.

A build that loaded the project itself records (`save`) every file it read with its content hash, the listings of
the folders whose contents decide the book (a new chapter file, layout or image rebuilds), the catalogue files
above the project, bookforge itself, the editions asked for, the output folder, SOURCE_DATE_EPOCH, and what each
edition's record (cache.Record) said. `current` finds all of that unchanged, and every output as that build left
it, or answers None: then the whole build runs and decides for itself. The record is a sealed cache entry
(seal.py), so no one but the user's bookforge can make a build skip its work. This module imports nothing heavy:
the check costs a few milliseconds plus hashing what the book is made of.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from bookforge._version import __version__
from bookforge.build.report import REPORT_FILE, BuildReport, EditionResult
from bookforge.build.seal import (
    STATE_FILE,
    Cache,
    file_sha256,
    inside_build_folder,
    output_file,
)
from bookforge.errors import Diagnostic, Location
from bookforge.own_files import write_atomically
from bookforge.stores import known_tool_fingerprint, tool_fingerprint

UP_TO_DATE_FILE = "uptodate.json"
RECORD_FORMAT = "bookforge-uptodate-1"
PACKAGE = Path(__file__).resolve().parent.parent
DECIDING_FOLDERS = ("manuscript", "layouts", "assets")
"""The project's folders whose listing decides the book (beside the files read): a new file in one may be read."""
CATALOGUE_FILE = "catalogue.yaml"  # layout/house.py: a catalogue above the project may give it house layouts


def save(cache: Cache, root: Path, output: Path, requested: tuple[str, ...], reads: Mapping[str, str],
         houses: list[Path], fingerprint: str, records: dict[str, tuple[str, dict]]) -> None:
    """Record what this build read and made (`records`: name -> (format, cache.Record as JSON data))."""
    record = {
        "format": RECORD_FORMAT, "bookforge": _bookforge(fingerprint), "request": _request(root, output, requested),
        "reads": {path: sha for path, sha in sorted(reads.items()) if not Path(path).is_relative_to(PACKAGE)},
        "folders": {str(folder): _listing(folder) for folder in _deciding_folders(root, houses)},
        "catalogues": _catalogues(root), "state": _state(cache),
        "editions": [{"name": name, "format": fmt, "record": data} for name, (fmt, data) in records.items()],
    }
    cache.write(UP_TO_DATE_FILE, json.dumps(record, sort_keys=True).encode())


def current(root: Path, requested: tuple[str, ...], output: Path | None, *, strict: bool,
            on_event: Callable[[str, str], None]) -> BuildReport | None:
    """The report of a build that would keep every output as it is, with the warnings kept with them (written to
    build/report.json as a build writes it), or None when anything may have changed: then build."""
    started = time.perf_counter()
    root = root.resolve()
    if output is None and (root / "build").is_symlink():
        return None  # the build says why
    output = (output or root / "build").resolve()
    try:
        cache = Cache(output)
        body = cache.read(UP_TO_DATE_FILE, fresh=False)
        results = _results(json.loads(body), cache, root, requested, strict) if body is not None else None
        if results is None:
            return None
        report = BuildReport(tuple(results), time.perf_counter() - started)
        write_atomically(output / REPORT_FILE, report.to_json(output).encode(), root=output)
    except (ValueError, TypeError, KeyError, AttributeError):  # a record of another shape: not this bookforge's
        return None
    except OSError:  # the build meets it too, and says what it is
        return None
    for result in results:
        on_event("reused", result.name)
    return report


def _results(record: dict, cache: Cache, root: Path, requested: tuple[str, ...],
             strict: bool) -> list[EditionResult] | None:
    output = cache.output
    if (record["format"] != RECORD_FORMAT or record["request"] != _request(root, output, requested)
            or record["state"] != _state(cache) or not _same_bookforge(record["bookforge"])
            or record["catalogues"] != _catalogues(root)
            or any(_listing(Path(folder)) != listing for folder, listing in record["folders"].items())
            or any(_sha256(Path(path)) != sha for path, sha in record["reads"].items())):
        return None
    results = [_kept(edition["name"], edition["format"], edition["record"], output) for edition in record["editions"]]
    if any(result is None for result in results):
        return None
    if strict and any(result.warnings for result in results):
        return None  # the build fails on them, with its own words
    return results


def _kept(name: str, fmt: str, data: dict, output: Path) -> EditionResult | None:
    """The edition as its record keeps it (cache.Record.result) if its output (and cover) are still what it made."""
    relative, cover = inside_build_folder(data["output"]), data["cover"]
    path = output_file(output, relative)
    if path is None or file_sha256(path, data["size"]) != data["sha256"]:
        return None
    if cover is not None:
        cover_path = output_file(output, inside_build_folder(cover))
        if cover_path is None or file_sha256(cover_path) != data["cover_sha256"]:
            return None
    warnings = tuple(Diagnostic(w["code"], w["message"], Location(w["file"], w["line"], w["column"])
                                if w["file"] is not None else None, w["hint"], w["severity"])
                     for w in data["warnings"])
    return EditionResult(name=name, format=fmt, path=output / relative, size=data["size"], pages=data["pages"],
                         documents=data["documents"], words=data["words"], seconds=0.0, rebuilt=False,
                         warnings=warnings, cover=output / cover if cover else None)


def _request(root: Path, output: Path, requested: tuple[str, ...]) -> dict:
    """What the command asked for, and the one setting of the environment an output is made from."""
    return {"root": str(root), "output": str(output), "editions": list(requested),
            "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH")}


def _state(cache: Cache) -> str | None:
    """The hash of the build's records as they are now: the records the no-op stands for (None when they do not
    check, as a build would find them)."""
    body = cache.read(STATE_FILE, fresh=False)
    return hashlib.sha256(body).hexdigest() if body is not None else None


def _bookforge(fingerprint: str) -> dict:
    return {"version": __version__, "fingerprint": fingerprint, "files": _package_stamps()}


def _same_bookforge(recorded: dict) -> bool:
    """bookforge unchanged: its files' sizes and times as a first look; when they differ, its code and layouts
    hashed (stores.tool_fingerprint, what the build's records are keyed by)."""
    if recorded["version"] != __version__:
        return False
    if recorded["files"] == _package_stamps():
        known_tool_fingerprint(recorded["fingerprint"])  # for the build that may follow in this process
        return True
    return recorded["fingerprint"] == tool_fingerprint()


def _package_stamps() -> dict[str, list[int]]:
    stamps = {}
    for path in _walk(PACKAGE):
        if "__pycache__" not in path.parts:
            info = path.lstat()
            stamps[path.relative_to(PACKAGE).as_posix()] = [info.st_size, info.st_mtime_ns]
    return stamps


def _deciding_folders(root: Path, houses: list[Path]) -> list[Path]:
    return [root / name for name in DECIDING_FOLDERS] + houses


def _catalogues(root: Path) -> dict[str, str | None]:
    """Each catalogue.yaml above the project by its hash (None where there is none)."""
    return {str(folder / CATALOGUE_FILE): _sha256(folder / CATALOGUE_FILE) for folder in root.parents}


def _listing(folder: Path) -> list[str] | None:
    """Every name under `folder` (a folder ends in `/`, a symbolic link in `@`), None when it is not a folder."""
    if not folder.is_dir() or folder.is_symlink():
        return None
    return sorted(path.relative_to(folder).as_posix() + _kind(path) for path in _walk(folder, everything=True))


def _kind(path: Path) -> str:
    mode = path.lstat().st_mode
    return "@" if stat.S_ISLNK(mode) else "/" if stat.S_ISDIR(mode) else ""


def _walk(folder: Path, everything: bool = False) -> Iterator[Path]:
    """The files (with `everything`, the folders and links too) under `folder`; no link is followed."""
    for directory, folders, files in os.walk(folder, followlinks=False):
        here = Path(directory)
        yield from (here / name for name in (folders + files if everything else files))


def _sha256(path: Path) -> str | None:
    """SHA-256 of the regular file at `path` (the resolved path read_inside() read), None when there is none (a
    named pipe is not waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with open(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return hashlib.file_digest(stream, "sha256").hexdigest()
