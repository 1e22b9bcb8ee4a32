"""Local notification receivers for alert tests (reusable by the end-to-end test).

* ``WebhookReceiver``: a tiny ``http.server`` in a thread that records every POST (path, headers, JSON
  body). It can answer with scripted status codes (``fail_next(n, 503)``) and be stopped and restarted on
  the same port (``stop()`` / ``start()``) to simulate a receiver that is down (connection refused).
* ``SmtpReceiver``: an aiosmtpd server in a thread that records every message.
* ``RawReceiver``: a bare socket server for answers ``http.server`` cannot give: a huge body, a status line
  or a body dripped a byte at a time. It counts what it managed to send.

Fixtures ``webhook_receiver`` and ``smtp_receiver`` start one per test; import them in a test module
(``from tests.integration.alert_receivers import webhook_receiver, smtp_receiver  # noqa: F401``) or in a
conftest.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what we answered
    received_at: float = 0.0  # time.time() when the request arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class WebhookReceiver:
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    requests: list[ReceivedRequest] = field(default_factory=list)  # every request, whatever we answered
    _script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0  # seconds before each answer: a slow receiver (each request in a thread of its own)
    arrivals: list[float] = field(default_factory=list)  # time.time() of each request as it arrives (answered or not)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/alerts"

    @property
    def accepted(self) -> list[ReceivedRequest]:
        """Requests answered with 2xx: the notifications actually delivered."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def fail_next(self, n: int, status: int = 503, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``n`` requests with ``status`` (and ``headers``: a Retry-After, a Location)."""
        with self._lock:
            self._script.extend([(status, dict(headers or {}))] * n)

    def _next_answer(self) -> tuple[int, dict[str, str]]:
        with self._lock:
            return self._script.pop(0) if self._script else (200, {})

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                arrived = time.time()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                code, extra = receiver._next_answer()
                with receiver._lock:
                    receiver.arrivals.append(arrived)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    receiver.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body, code,
                                                                    arrived))
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if code < 300 else b'{"ok": false}')

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook-receiver").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, predicate: Callable[[list[ReceivedRequest]], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if predicate(list(self.requests)):
                    return True
            time.sleep(0.05)
        return False


@dataclass
class RawReceiver:
    """Answers every POST as ``mode`` says, on a bare socket:

    * ``huge``: 200 with ``Content-Length`` of ``size`` bytes, then streams them as fast as it can;
    * ``drip_head``: the status line and headers one byte every ``interval`` seconds;
    * ``drip_body``: 200 and its headers at once, then a body of ``size`` bytes one byte per ``interval``;
    * ``drip_smtp``: an SMTP server whose greeting never ends (``220-`` lines, one byte per ``interval``).

    ``sent`` is the bytes it managed to write (the client closing stops it), ``requests`` the POSTs read."""

    mode: str = "huge"
    size: int = 64 * 1024 * 1024
    interval: float = 0.1
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    sent: int = 0
    requests: int = 0
    _sock: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/raw"

    def start(self) -> RawReceiver:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, self.port))
        self._sock.listen(8)
        threading.Thread(target=self._serve, daemon=True, name="raw-receiver").start()
        return self

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk
        self.requests += 1

    def _write(self, conn: socket.socket, data: bytes) -> None:
        conn.sendall(data)
        self.sent += len(data)

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.mode == "drip_smtp":  # the server speaks first
                    while True:
                        for byte in b"220-slow.example.test ESMTP\r\n":
                            self._write(conn, bytes([byte]))
                            time.sleep(self.interval)
                self._read_request(conn)
                if self.mode == "huge":
                    self._write(conn, f"HTTP/1.1 200 OK\r\nContent-Length: {self.size}\r\n\r\n".encode())
                    chunk = b"x" * 65536
                    left = self.size
                    while left > 0:
                        self._write(conn, chunk[:left])
                        left -= len(chunk)
                elif self.mode == "drip_head":
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}":
                        self._write(conn, bytes([byte]))
                        time.sleep(self.interval)
                elif self.mode == "drip_body":
                    self._write(conn, f"HTTP/1.1 200 OK\r\nContent-Length: {self.size}\r\n\r\n".encode())
                    for _ in range(self.size):
                        self._write(conn, b"x")
                        time.sleep(self.interval)
            except OSError:  # the client closed: what we sent so far is counted
                pass


@dataclass
class SmtpReceiver:
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    _controller: Any = None

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller

        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
                receiver.messages.append(msg)  # type: ignore[arg-type]
                receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 OK"

        self._controller = Controller(Handler(), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def webhook_receiver(local_receivers) -> Iterator[WebhookReceiver]:
    r = WebhookReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    r = SmtpReceiver().start()
    yield r
    r.stop()
