"""A local stand-in for one exchange endpoint, for the OKX/Bybit/Deribit/Hyperliquid readers.

No exchange is reachable from where the tests run, so each test starts this
aiohttp server on 127.0.0.1 (a free port), points unmodified ccxt at it (through
an account's `base_url`, which `open_exchange` applies with `rebase_urls`), and
answers with the response the exchange documents. A responder gets the request
and its body and returns the JSON to send, so one endpoint can answer by request
type (Hyperliquid's POST /info). Per request the stand-in keeps the method, path
and whether the test's signature check passed, never a header value.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from botguard.config import AccountConfig
from botguard.venues.connect import open_exchange
from botguard.venues.permissions import read_permissions
from botguard.venues.types import KeyPermissions

Responder = Callable[[web.Request, bytes], Any]
Verifier = Callable[[web.Request, bytes], bool]


def unsigned(request: web.Request, body: bytes) -> bool:
    """For public endpoints: nothing to verify."""
    return True


@dataclass(slots=True)
class StandIn:
    """The endpoint(s) served: (method, path) -> responder, plus a signature check."""

    routes: dict[tuple[str, str], Responder]
    verify: Verifier = unsigned
    seen: list[tuple[str, str, bool]] = field(default_factory=list)
    """(method, path, signature accepted) per request."""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        responder = self.routes.get((request.method, request.path))
        ok = responder is not None and self.verify(request, body)
        self.seen.append((request.method, request.path, ok))
        if responder is None:
            return web.json_response({"error": "not found"}, status=404)
        if not ok:
            return web.json_response({"error": "bad signature"}, status=401)
        return web.Response(
            text=json.dumps(responder(request, body)), content_type="application/json"
        )


@asynccontextmanager
async def serve(stand_in: StandIn) -> AsyncIterator[str]:
    """Run the stand-in on 127.0.0.1 at a free port; yield its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stand_in.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def fixed(answer: Any) -> Responder:
    """A responder that always sends `answer`."""
    return lambda request, body: answer


@contextmanager
def serve_in_thread(stand_in: StandIn) -> Iterator[str]:
    """The stand-in in a background thread with its own loop (for CLI tests' asyncio.run)."""
    loop = asyncio.new_event_loop()
    started: queue.Queue[str] = queue.Queue()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(stand_in) as url:
            started.put(url)
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        yield started.get(timeout=10)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()


def account(exchange: str, url: str, **extra: Any) -> AccountConfig:
    """A botguard [[account]] on `exchange` pointed at the stand-in, keyed by the canaries."""
    raw = {
        "name": "main",
        "exchange": exchange,
        "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET",
        "base_url": url,
        **extra,
    }
    return AccountConfig.model_validate(raw)


async def read_account(account: AccountConfig) -> KeyPermissions:
    """Unmodified ccxt, built as the audit builds it, reads the key's permissions; closed."""
    exchange = open_exchange(account)
    try:
        return await read_permissions(exchange)
    finally:
        await exchange.close()
