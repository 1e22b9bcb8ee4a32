"""A TCP proxy in front of the real Elasticsearch that can stall: it keeps accepting connections but stops
answering (no refusal, no reset), the failure a load balancer or watchdog meets when a node hangs.

``forward`` mode pumps bytes both ways; ``stall()`` holds every byte on open connections and on new ones;
``resume()`` drops the held connections (their bytes are never delivered) and forwards again."""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class StallProxy:
    def __init__(self, port: int, upstream: tuple[str, int] = ("127.0.0.1", 9200)) -> None:
        self.upstream = upstream
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._closed = False
        self._server = socket.create_server(("127.0.0.1", port), backlog=256)
        self.port = port
        threading.Thread(target=self._accept, daemon=True).start()

    # -- control -------------------------------------------------------------------------------------------
    def stall(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._drop_all()
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self._flowing.set()  # let held pumps wake up and see the closed sockets
        with suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() (a bare close() leaves it listening)
        with suppress(OSError):
            self._server.close()
        self._drop_all()

    # -- plumbing ------------------------------------------------------------------------------------------
    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._socks.extend(socks)

    def _drop_all(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                s.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            with suppress(OSError):
                client.close()
            return
        upstream.settimeout(None)
        self._track(upstream)
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self._flowing.wait()  # stalled: hold the bytes, answer nothing
                if self._closed:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
