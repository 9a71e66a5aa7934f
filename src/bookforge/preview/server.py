"""The preview's HTTP server: 127.0.0.1 only, the book from memory, server-sent events for live reload."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from bookforge.preview.live import Preview
from bookforge.preview.pages import Response


class PreviewServer(ThreadingHTTPServer):
    """HTTP on 127.0.0.1 only; port 0 picks a free port (see `url`).

    A connection that sends nothing for `idle_timeout` seconds is closed, and at most `max_connections` are served
    at once (one more is closed at once): idle or half-sent requests cannot pile up until the process runs out of
    file descriptors. The pages' event streams send every 10 s, so they stay open.
    """

    daemon_threads = True

    def __init__(self, preview: Preview, port: int = 8000, *, idle_timeout: float = 30,
                 max_connections: int = 64):
        self.preview = preview
        self.idle_timeout = idle_timeout
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # StreamRequestHandler sets it on the socket
        super().setup()

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        # Only pages opened as localhost: another site cannot reach the book through DNS rebinding.
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if host not in ("127.0.0.1", "localhost"):
            return self._send(Response(403, b"forbidden", "text/plain"))
        url = urlsplit(self.path)
        if url.path == "/_preview/events":
            return self._events(parse_qs(url.query).get("edition", [""])[0])
        self._send(self.server.preview.respond(unquote(url.path)))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        self.wfile.write(response.body)

    def _events(self, name: str) -> None:
        """Server-sent events: the page's current key now and after every change, until the preview stops."""
        preview = self.server.preview
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent, generation = None, preview.generation
        try:
            self.wfile.write(b"retry: 500\n\n")  # after a restart of the preview, reconnect quickly
            while not preview.stopped:
                key = preview.key(name)
                self.wfile.write(f"data: {key}\n\n".encode() if key != sent else b": still here\n\n")
                self.wfile.flush()
                sent = key
                generation = preview.wait(generation, timeout=10)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the page was closed or reloaded, or stopped reading

    def log_message(self, format: str, *args) -> None:
        pass  # quiet: the command line reports builds, not requests
