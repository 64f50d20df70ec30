"""A real HTTP server that records every webhook it receives; the tests' target."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from requests.structures import CaseInsensitiveDict


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class Receiver:
    """Paths choose the behaviour: /ok, /status/503, /fail/N (N failures, then 200 per path), /slow?ms=500."""
    server: ThreadingHTTPServer = None
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures_left: dict = field(default_factory=dict)
    concurrent: int = 0
    max_concurrent: int = 0
    extra_headers: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, request: Received) -> None:
        with self.lock:
            self.requests.append(request)

    def on_path(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if urlparse(r.path).path == path]

    def enter(self) -> None:
        with self.lock:
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)

    def leave(self) -> None:
        with self.lock:
            self.concurrent -= 1

    def wait_for(self, path: str, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.on_path(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{path}: expected {count} requests, got {len(self.on_path(path))}")

    def status_for(self, path: str) -> int:
        parts = path.strip("/").split("/")
        if parts[0] == "status" and len(parts) > 1:
            return int(parts[1])
        if parts[0] == "fail" and len(parts) > 1:
            with self.lock:
                left = self.failures_left.setdefault(path, int(parts[1]))
                if left > 0:
                    self.failures_left[path] = left - 1
                    return 500
        return 200


def make_handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle_any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver.record(Received(self.command, self.path, CaseInsensitiveDict(self.headers), body, time.time()))
            url = urlparse(self.path)
            receiver.enter()
            try:
                delay_ms = int(parse_qs(url.query).get("ms", ["0"])[0])
                if url.path.startswith("/slow"):
                    time.sleep(delay_ms / 1000)
            finally:
                receiver.leave()
            status = receiver.status_for(url.path)
            reply = f"received {self.command} {url.path}".encode()
            if url.path == "/redirect":
                status = 302
                self.send_response(status)
                self.send_header("Location", parse_qs(url.query)["to"][0])
            else:
                self.send_response(status)
            for name, value in receiver.extra_headers.get(url.path, {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = handle_any

        def do_HEAD(self) -> None:
            receiver.record(Received("HEAD", self.path, CaseInsensitiveDict(self.headers), b"", time.time()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return Handler


def start_receiver(host: str = "127.0.0.1") -> Receiver:
    receiver = Receiver()
    receiver.server = ThreadingHTTPServer((host, 0), make_handler(receiver))
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver
