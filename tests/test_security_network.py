"""Connections cannot hold bookforge: a remote image has one time limit for the whole fetch, and the preview's
server closes idle connections and serves a bounded number at once."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bookforge.build import cache_key
from bookforge.manuscript import images
from bookforge.preview.live import Preview
from bookforge.preview.server import PreviewServer

TRICKLE = 0.3  # seconds between two bytes: far below any per-read timeout


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch, tmp_path):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(cache_key.KEY_FILE_VARIABLE, str(tmp_path / "key" / "cache.key"))


@contextmanager
def trickling_server(where: str, count: int = 20) -> Iterator[str]:
    """An HTTP server on loopback that answers one byte at a time, in its headers or in its body."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.recv(65536)
                head = b"HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n"
                slow = b"X-Slow: " + b"a" * count + b"\r\n\r\n" if where == "headers" else b"b" * count
                connection.sendall(head if where == "headers" else head + f"Content-Length: {count}\r\n\r\n".encode())
                try:
                    for byte in slow:
                        if stop.is_set():
                            break
                        connection.sendall(bytes([byte]))
                        time.sleep(TRICKLE)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/image.png"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_remote_image_has_one_time_limit_for_the_whole_fetch(where):
    with trickling_server(where) as url:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            images._download(url, 1.5)
        assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_per_read_timeout_alone_does_not_bound_such_a_server(where):
    """The premise of the test above: urllib's timeout (per read) lets the server hold the fetch as it likes."""
    with trickling_server(where, count=12) as url:
        started = time.monotonic()
        with urllib.request.urlopen(url, timeout=1.5) as response:
            response.read()
        assert time.monotonic() - started > 3


def test_a_prompt_server_is_fetched_as_before():
    with trickling_server("body", count=0) as url:
        assert images._download(url, 5) == b""


@pytest.fixture
def server(sample_project) -> Iterator[PreviewServer]:
    with Preview(sample_project, ("ebook",)) as live:
        server = PreviewServer(live, 0, idle_timeout=1, max_connections=4)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def _connect(server: PreviewServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    connection.settimeout(seconds)
    try:
        return connection.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def _get(server: PreviewServer, path: str = "/") -> bytes:
    with _connect(server) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return connection.recv(64)


def test_the_preview_closes_a_connection_that_sends_nothing(server):
    with _connect(server) as idle, _connect(server) as half:
        half.sendall(b"GET / HTTP/1.0\r\nHost: 127.0")  # a request never finished
        assert _closed_within(idle, 3) and _closed_within(half, 3)


def test_the_preview_serves_a_bounded_number_of_connections_at_once(server):
    held = [_connect(server) for _ in range(4)]
    try:
        time.sleep(0.2)
        with _connect(server) as extra:
            assert _closed_within(extra, 0.5)  # at once, not after the idle time
        for connection in held:
            assert _closed_within(connection, 3)
    finally:
        for connection in held:
            connection.close()
    assert _get(server).startswith(b"HTTP/1.0 ")  # the slots are free again


def test_the_preview_keeps_a_pages_event_stream_open(server):
    with _connect(server) as stream:
        stream.sendall(b"GET /_preview/events?edition=ebook HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        assert stream.recv(64).startswith(b"HTTP/1.0 200")
        assert not _closed_within(stream, 2.5)  # longer than the idle time: it is waiting for a change, not idle
