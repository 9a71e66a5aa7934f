"""The user's key for the build cache: random, kept outside every project, readable by the user alone."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

KEY_FILE_VARIABLE = "BOOKFORGE_CACHE_KEY_FILE"
KEY_BYTES = 32
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_known: dict[Path, bytes] = {}
_ephemeral = secrets.token_bytes(KEY_BYTES)


def key_file() -> Path:
    """$BOOKFORGE_CACHE_KEY_FILE, else bookforge/cache.key in $XDG_CACHE_HOME (when absolute) or ~/.cache."""
    if os.environ.get(KEY_FILE_VARIABLE):
        return Path(os.environ[KEY_FILE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "bookforge" / "cache.key"


def cache_key() -> tuple[bytes, str | None]:
    """(the key, None), made on first use; when it can be neither read nor made, a key for this process only and
    a note saying so (the build then reuses nothing made by another process, which is slower, never wrong)."""
    path = key_file()
    if path not in _known:
        try:
            _known[path] = _read(path) or _make(path)
        except OSError as exc:
            return _ephemeral, (f"the build cache is not kept between builds: its key file {path} cannot be made "
                                f"({exc.strerror or exc}); set {KEY_FILE_VARIABLE} to a file you may write")
    return _known[path], None


def _read(path: Path) -> bytes | None:
    """The key if the file is a regular file of the user's, that no one else may read or write."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        return None
    except OSError:  # a symbolic link (ELOOP), unreadable: replaced by a new key
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != 2 * KEY_BYTES:
            return None
        if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o077):
            return None
        text = os.read(fd, 2 * KEY_BYTES + 1)
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except ValueError:
        return None
    return key if len(key) == KEY_BYTES else None


def _make(path: Path) -> bytes:
    """A new key, written 0600 beside the file and put in place; if another process was first, its key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(KEY_BYTES))
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, path)  # fails if a key is there: two first builds agree on one key
        except FileExistsError:
            if _read(path) is None:  # a bad key file (a link, readable by others, damaged): replaced
                os.replace(temporary, path)
        except OSError:  # a file system without hard links
            os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    key = _read(path)
    if key is None:
        raise OSError(f"{path} could not be read back")
    return key
