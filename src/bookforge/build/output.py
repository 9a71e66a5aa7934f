"""Writing outputs so that a failed or killed build never leaves half a file where a good one stood; their names;
file-system failures in the author's words."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import unicodedata
from pathlib import Path

from bookforge.build.seal import CACHE_DIR
from bookforge.errors import Diagnostic, Location
from bookforge.formats import FORMATS
from bookforge.own_files import is_own_folder, write_atomically  # noqa: F401 (the build's writes go through here)
from bookforge.print.proof import OWN_IMAGES, PROOF_DIR

SLUG_MAX = 80
# write_atomically's temporary files: `.NAME.XXXXXXXX.tmp`, NAME being the file it was to become.
_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")
# What bookforge writes in the folders of an output folder that it shares with whatever else is there (`-o DIR`):
# its report at the top, the outputs in each edition's folder, the proof's pictures in its folder.
_OWN_TARGETS = {
    "top": re.compile(r"report\.json"),
    "edition": re.compile(r"[a-z0-9-]+\.(%s)" % "|".join(re.escape(f.extension) for f in FORMATS.values())),
    "proof": re.compile(f"{OWN_IMAGES.pattern}|index\\.html"),
}


def remove_stale_temporaries(output: Path, editions: tuple[str, ...] | list[str] = ()) -> None:
    """Temporary files left by a build that was killed; called with the build lock held, so none is in use.

    Only bookforge's own: in build/.cache (all bookforge's) any of write_atomically's; at the top of the output
    folder and in the folders of `editions` (and their proofs), only those of the files bookforge writes there.
    Nothing is deleted through a symbolic link, and a link is never taken for a temporary file.
    """
    folders: list[tuple[Path, re.Pattern | None]] = [(output, _OWN_TARGETS["top"])]
    for name in editions:
        if re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            folders += [(output / name, _OWN_TARGETS["edition"]), (output / name / PROOF_DIR, _OWN_TARGETS["proof"])]
    cache = output / CACHE_DIR
    if is_own_folder(output, cache):
        for top, subfolders, _ in os.walk(cache):  # os.walk does not enter linked folders
            folders.append((Path(top), None))
    for folder, targets in folders:
        if folder != output and not is_own_folder(output, folder):
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            match = _TEMPORARY.match(entry.name)
            if match and entry.is_file(follow_symlinks=False) and (
                    targets is None or targets.fullmatch(match["target"])):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def file_system_problem(exc: OSError, output: Path) -> Diagnostic:
    """An OSError while building (a read-only build/, a full disk) in the author's words, not a traceback."""
    where = Location(str(exc.filename or output))
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return Diagnostic("disk-full", f"the disk is full: {exc.strerror}", where,
                          "free some space, or write elsewhere with `-o DIR`; the last build's files were kept")
    if exc.filename and not Path(exc.filename).resolve().is_relative_to(output):
        return Diagnostic("cannot-read", f"cannot read this file: {exc.strerror or exc}", where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Diagnostic("cannot-write", f"bookforge may not write here: {exc.strerror}", where,
                          "make the folder writable, or write elsewhere with `-o DIR`")
    return Diagnostic("cannot-write", f"writing the outputs failed: {exc.strerror or exc}", where,
                      "the last build's files were kept")


def file_slug(title: str) -> str:
    """`Café Stories` -> `cafe-stories`: output file names that every system and store accepts."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "book"
    # A file name has at most 255 bytes: a very long title keeps its first words (whole ones).
    if len(slug) <= SLUG_MAX:
        return slug
    cut = slug[:SLUG_MAX + 1]
    return cut.rsplit("-", 1)[0] if "-" in cut else slug[:SLUG_MAX]
