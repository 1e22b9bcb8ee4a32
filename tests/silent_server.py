"""A store that is frozen, not gone: a local TCP server that accepts connections, reads what comes and never
answers (a SIGSTOPped Redis or Elasticsearch, a stuck host). Connection refused is another, quicker case:
this one is what makes a client without a deadline wait for minutes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class SilentServer:
    """Accepts connections, reads what comes, never answers; counts the connections it was offered."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, scheme: str) -> str:
        """``redis://127.0.0.1:<port>/0`` or ``http://127.0.0.1:<port>``."""
        return f"redis://127.0.0.1:{self.port}/0" if scheme == "redis" else f"{scheme}://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self) -> None:
        for s in (self.sock, *self._held):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()
