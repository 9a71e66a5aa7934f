"""The shared store: what any worker made (finished outputs, rendered parts, laid-out chunks), by content hash, in a
folder or at any fsspec URL; every entry signed, so a damaged or foreign one is ignored and made again."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from bookforge.build.cache_key import cache_key
from bookforge.build.output import write_atomically

MAGIC = b"bfstore1"
SIGNATURE = 32
KEY_VARIABLE = "BOOKFORGE_STORE_KEY"


@dataclass(frozen=True)
class StoreSpec:
    """What a task says of the store: its URL and which key signs its entries (an id of it, never the key).

    A worker opens the store with the key it has itself (store_secret: the same variable, or on this machine the
    same user's key), and only if that is the key named; else it builds without the store, which is slower and
    never wrong. So the key is in no task: not in the scheduler's task state, its logs or its dashboard, nor in
    what travels to every worker.
    """

    url: str
    key_id: str

    @classmethod
    def of(cls, url: str, secret: bytes) -> StoreSpec:
        return cls(url, key_id(secret))

    def open(self) -> SignedStore | None:
        """The store, if the key this process has is the one the asking machine signs with."""
        secret = store_secret()
        return SignedStore(self.url, secret) if hmac.compare_digest(key_id(secret), self.key_id) else None


class SignedStore:
    """Entries by key under one URL; each is `MAGIC + HMAC-SHA256(key, value) + value`.

    An entry that is cut short, changed, moved to another key or written with another key fails its signature and
    reads as missing: the caller makes it again and writes it over. fsspec gives the same interface for a folder,
    `memory://` (one process's memory: a test's) and `s3://`, `gs://`, ... (the press's bucket).
    """

    def __init__(self, url: str, secret: bytes):
        import fsspec.core

        self.url = url
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.root = self.root.rstrip("/")
        self.secret = secret
        self.local = "file" in _protocols(self.fs)

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def _sign(self, key: str, value: bytes) -> bytes:
        return hmac.new(self.secret, key.encode() + b"\0" + value, hashlib.sha256).digest()

    def get(self, key: str) -> bytes | None:
        try:
            raw = self.fs.cat_file(self._path(key))
        except (OSError, ValueError):  # FileNotFoundError, a permission problem, a bad path: not there
            return None
        head, signature, value = raw[:len(MAGIC)], raw[len(MAGIC):len(MAGIC) + SIGNATURE], raw[len(MAGIC) + SIGNATURE:]
        if head != MAGIC or not hmac.compare_digest(signature, self._sign(key, value)):
            return None
        return value

    def put(self, key: str, value: bytes) -> None:
        data = MAGIC + self._sign(key, value) + value
        if self.local:  # a reader on this machine sees the old entry or the new one
            write_atomically(Path(self._path(key)), data)
        else:
            self.fs.pipe_file(self._path(key), data)

    def delete(self, key: str) -> None:
        try:
            self.fs.rm_file(self._path(key))
        except (OSError, ValueError):
            pass

    def keys(self, prefix: str) -> Iterator[str]:
        try:
            found = self.fs.find(self._path(prefix))
        except (OSError, ValueError):
            return iter(())
        start = len(self.root) + 1
        return (path[start:] for path in found if not path.rsplit("/", 1)[-1].startswith("."))

    def text(self, prefix: str, spread: bool = False) -> TextStore:
        return TextStore(self, prefix, spread)


class TextStore(MutableMapping[str, str]):
    """One part of the store as the stages' MutableMapping[str, str] (bookforge.stores)."""

    def __init__(self, store: SignedStore, prefix: str, spread: bool = False):
        self.store, self.prefix, self.spread = store, prefix.strip("/"), spread

    def _key(self, key: str) -> str:
        # Many entries (rendered parts of every book): in folders by their first two characters.
        return f"{self.prefix}/{key[:2]}/{key}" if self.spread else f"{self.prefix}/{key}"

    def __getitem__(self, key: str) -> str:
        value = self.store.get(self._key(key))
        if value is None:
            raise KeyError(key)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyError(key) from None

    def __setitem__(self, key: str, value: str) -> None:
        self.store.put(self._key(key), value.encode("utf-8"))

    def __delitem__(self, key: str) -> None:
        self.store.delete(self._key(key))

    def __iter__(self) -> Iterator[str]:
        return (key.rsplit("/", 1)[-1] for key in self.store.keys(self.prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def store_secret() -> bytes:
    """The key that signs the store's entries: $BOOKFORGE_STORE_KEY, else one derived from this user's build-cache
    key (build/cache_key.py: one secret per user, kept and checked in one place).

    Why it is not the cache key itself: the cache key never leaves this user's machine and authenticates only their
    own build folders, while a store key is meant to be shared by every machine that may trust the others' entries
    (a press sets the same $BOOKFORGE_STORE_KEY on each, workers included). Sharing the cache key would let every
    holder forge entries in this user's build caches. The derived default is domain-separated from the cache key
    (HMAC with a label of its own), so it serves the machines of one user (the embedded pool, a LocalCluster) and
    reveals nothing of the cache key.
    """
    value = os.environ.get(KEY_VARIABLE)
    if value:
        return value.encode()
    key, _ = cache_key()
    return hmac.new(key, b"bookforge shared store, version 1", hashlib.sha256).digest()


def key_id(secret: bytes) -> str:
    """Which key signs a store, named without giving the key away (a tag of it under a public label)."""
    return hmac.new(secret, b"bookforge store key id", hashlib.sha256).hexdigest()[:32]


def _protocols(fs) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
