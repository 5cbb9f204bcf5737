"""A STAND-IN for freqtrade's REST API (stdlib HTTP on loopback), for the cases a real
freqtrade cannot be made to show on demand: failing, oversized or non-JSON answers.
It records what it is asked; the real freqtrade is driven by tests/e2e."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STATUS = [{"trade_id": 3, "pair": "BTC/USDT"}, {"trade_id": 7, "pair": "ETH/USDT:USDT"}]


class StandIn(ThreadingHTTPServer):
    """Records (method, path, authorization); answers `status` with STATUS."""

    def __init__(self, fail: str = "", answer: str = "500") -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[tuple[str, str, str]] = []
        self.fail = fail
        """The request (last path part) answered badly: `answer` is 500, big or notjson."""
        self.answer = answer

    @property
    def port(self) -> int:
        port: int = self.server_address[1]
        return port


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization", "")))
        failing = self.server.fail and self.path.endswith("/" + self.server.fail)
        body = json.dumps(STATUS if self.path.endswith("/status") else {"status": "ok"}).encode()
        code = 200
        if failing and self.server.answer == "500":
            code = 500
        elif failing:
            body = {"big": b"[" + b" " * (1 << 20) + b"]", "notjson": b"<html>"}[self.server.answer]
        self.send_response(code)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextlib.contextmanager
def serve(fail: str = "", answer: str = "500") -> Iterator[StandIn]:
    """A stand-in serving from a thread until the block ends."""
    server = StandIn(fail, answer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
