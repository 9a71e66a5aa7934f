"""A project's font file read whole by fontTools once, and what it maps kept: its SHA-256 -> the code points."""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import MutableMapping


class UnreadableFont(Exception):
    """fontTools cannot read the file; the message says what it met."""


def font_coverage(data: bytes, kept: MutableMapping[str, str] | None = None) -> frozenset[int]:
    """The code points a project's font file maps, once fontTools has read every table of it (UnreadableFont if it
    cannot). `kept` (a build's store) holds, by SHA-256, the coverage of the files read whole before: such a file
    is not read again (~0.07 s a 500 KB face, and fontTools' import)."""
    if kept is None:
        return _read_whole(data)
    key = hashlib.sha256(data).hexdigest()
    stored = kept.get(key)
    if stored is not None:
        return _decoded(stored)
    coverage = _read_whole(data)
    kept[key] = _encoded(coverage)
    return coverage


@functools.lru_cache(maxsize=16)
def _read_whole(data: bytes) -> frozenset[int]:
    """The build reads a font's tables later (coverage, subsetting, the print merge), where a malformed file would
    crash it instead of being named: every table is read here."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(io.BytesIO(data), fontNumber=0, recalcTimestamp=False) as font:
            font.ensureDecompiled()
            coverage = frozenset(font.getBestCmap() or {})
    except Exception as exc:  # noqa: BLE001 -- fontTools raises what its parsers meet (struct.error, TTLibError...)
        raise UnreadableFont(f"{type(exc).__name__}: {str(exc)[:120]}".rstrip(": ")) from None
    if not coverage:
        raise UnreadableFont("it maps no character to a glyph")
    return coverage


def _encoded(coverage: frozenset[int]) -> str:
    """Runs of code points as `first-last` (hexadecimal), comma-separated: a face's map in a few hundred bytes."""
    runs: list[list[int]] = []
    for code in sorted(coverage):
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return ",".join(f"{first:x}-{last:x}" for first, last in runs)


def _decoded(stored: str) -> frozenset[int]:
    codes: list[int] = []
    for run in stored.split(","):
        first, last = run.split("-")
        codes.extend(range(int(first, 16), int(last, 16) + 1))
    return frozenset(codes)
