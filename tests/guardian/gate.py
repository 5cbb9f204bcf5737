"""A TCP gate in front of the sim: forward, refuse or black-hole, switched by the test.

The exchange failing is not something the sim can do to itself once running (its
faults are fixed at start, and a `timeout` fault still answers after the client
hangs up), so the test puts this in front of it: `forward` passes bytes both ways,
`refuse` closes every connection and the listener (new connections are refused),
`blackhole` accepts and reads everything and never answers (a firewall dropping
replies, an exchange frozen mid-request).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from enum import StrEnum


class Mode(StrEnum):
    FORWARD = "forward"
    REFUSE = "refuse"
    BLACKHOLE = "blackhole"


class Gate:
    """A loopback TCP proxy to `target` (host, port) whose behaviour the test switches."""

    def __init__(self, target: tuple[str, int] | None, mode: Mode = Mode.FORWARD) -> None:
        self.target = target
        self.mode = mode
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port: int = self._listener.getsockname()[1]
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        self._peers: dict[socket.socket, socket.socket | None] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gate", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, mode: Mode) -> None:
        """Switch; `refuse` also drops every open connection and stops listening."""
        with self._lock:
            self.mode = mode
        if mode is Mode.REFUSE:
            self._stop.set()
            self._thread.join(timeout=10)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for key, _ in self._sel.select(timeout=0.05):
                    if key.fileobj is self._listener:
                        self._accept()
                    else:
                        self._pump(key.fileobj)  # type: ignore[arg-type]
        finally:
            for sock in list(self._peers):
                sock.close()
            self._listener.close()
            self._sel.close()

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        upstream = None
        if self.mode is Mode.FORWARD and self.target is not None:
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                return
            self._peers[upstream] = client
            self._sel.register(upstream, selectors.EVENT_READ, None)
        self._peers[client] = upstream
        self._sel.register(client, selectors.EVENT_READ, None)

    def _pump(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        other = self._peers.get(sock)
        if self.mode is Mode.FORWARD and other is not None:
            try:
                other.sendall(data)
            except OSError:
                self._drop(sock)
        # BLACKHOLE: read and discard, both ways; nobody ever hears back

    def _drop(self, sock: socket.socket) -> None:
        other = self._peers.pop(sock, None)
        for s in (sock, other):
            if s is None:
                continue
            self._peers.pop(s, None)
            with contextlib.suppress(KeyError, ValueError):
                self._sel.unregister(s)
            s.close()
