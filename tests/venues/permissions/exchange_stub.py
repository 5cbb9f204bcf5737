"""A one-endpoint stand-in for an exchange's REST API, for the permission-reader tests.

No exchange is reachable from where the tests run, so each reader test starts this
aiohttp server on 127.0.0.1 (random port), points unmodified ccxt at it with
`rebase_urls`, and answers the one endpoint with the response the exchange documents.
The server keeps, per request, the method, path, header names and whether the
exchange-specific signature check passed: never a header value, so no credential
can reach a test report through it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from botguard.venues.connect import rebase_urls
from botguard.venues.permissions import read_permissions
from botguard.venues.types import KeyPermissions

Verifier = Callable[[web.Request, bytes], bool]
"""Recomputes the exchange's signature from the request; True when it matches."""


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the stub received."""

    method: str
    path: str
    headers: frozenset[str]
    """Header names only."""
    signed: bool
    """The verifier accepted the request's credentials and signature."""


@dataclass(slots=True)
class Endpoint:
    """The single endpoint the stub answers, with the documented response."""

    method: str
    path: str
    response: dict[str, Any]
    verify: Verifier
    seen: list[Seen] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request; answer the endpoint, 404 anything else."""
        body = await request.read()
        hit = request.method == self.method and request.path == self.path
        signed = hit and self.verify(request, body)
        self.seen.append(Seen(request.method, request.path, frozenset(request.headers), signed))
        if not hit:
            return web.json_response({"message": "not found"}, status=404)
        return web.Response(text=json.dumps(self.response), content_type="application/json")


@asynccontextmanager
async def serve(endpoint: Endpoint) -> AsyncIterator[str]:
    """Run the stub on 127.0.0.1 at a free port; yield its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def read_through_stub(
    exchange_id: str, endpoint: Endpoint, credentials: dict[str, str]
) -> KeyPermissions:
    """Unmodified ccxt `exchange_id` reads key permissions from the stub; always closed."""
    import ccxt.async_support as ccxt_async

    async with serve(endpoint) as base_url:
        exchange = getattr(ccxt_async, exchange_id)(dict(credentials))
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], base_url)
        try:
            return await read_permissions(exchange)
        finally:
            await exchange.close()


def header_is(request: web.Request, name: str, expected: str) -> bool:
    """The header carries exactly `expected` (constant-time compare, value never kept)."""
    import hmac

    return hmac.compare_digest(request.headers.get(name, "").encode(), expected.encode())
