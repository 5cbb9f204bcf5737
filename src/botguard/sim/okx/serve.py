"""Answer one /api/v5/* request as OKX would: latency, faults, auth, limits, endpoint.

The sim's server hands every OKX path here (see sim/dialects.py); the Binance handling
is untouched. Faults use the same `--faults` rules as Binance, answered in OKX's shapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from botguard.sim.okx.api import ROUTES, OkxCall, Route
from botguard.sim.okx.auth import OkxSigned, authenticate
from botguard.sim.okx.book import OkxBook
from botguard.sim.okx.wire import OkxError
from botguard.sim.transport import reset_connection

if TYPE_CHECKING:
    from botguard.sim.server import SimServer
    from botguard.sim.state import Exchange

logger = logging.getLogger(__name__)

PREFIX = "/api/v5/"
TIMEOUT_HOLD_S = 120.0
_BOOKS: weakref.WeakKeyDictionary[Exchange, OkxBook] = weakref.WeakKeyDictionary()


def book(ex: Exchange) -> OkxBook:
    """The OKX-only state of one sim (created on first use)."""
    found = _BOOKS.get(ex)
    if found is None:
        found = _BOOKS[ex] = OkxBook()
    return found


def prepare(ex: Exchange) -> None:
    """OKX keeps every conditional order, spot ones too, in its algo book."""
    for account in ex.accounts.values():
        if account.spec.exchange != "okx":
            continue
        for order in list(account.orders.values()):
            if order.stop_price and not order.market.is_swap:
                account.orders.pop(order.order_id)
                order.algo = True
                account.algo[order.order_id] = order


async def handle(server: SimServer, request: web.Request, entry: dict[str, Any]) -> web.Response:
    """One OKX request, logged in `entry` like every other."""
    try:
        return await _answer(server, request, entry)
    except OkxError as exc:
        entry["code"], entry["reason"] = exc.code, exc.reason
        if exc.code != "50011":
            logger.info("sim okx: %s %s -> %s (%s)", request.method, request.path, exc.code,
                        exc.reason)  # fmt: skip
        return _json(exc.body(), exc.status)


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


async def delay(server: SimServer) -> None:
    """The sim's configured latency and jitter, as for Binance."""
    if server.latency_s or server.jitter_s:
        jitter = server._rng.uniform(-server.jitter_s, server.jitter_s)
        await asyncio.sleep(max(server.latency_s + jitter, 0))


async def _answer(server: SimServer, request: web.Request, entry: dict[str, Any]) -> web.Response:
    await delay(server)
    route = ROUTES.get((request.method, request.path))
    if route is None:
        entry["unknown"] = True
        logger.warning("sim okx: unknown endpoint %s %s", request.method, request.path)
        return _json({"code": "50115", "msg": "Invalid request method.", "data": []}, 404)
    body_text = (await request.text()) if request.can_read_body else ""
    query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
    fault = server.faults.pick(request.method, request.path)
    entry["fault"] = fault
    if fault is not None and (early := await _early_fault(server, request, fault)) is not None:
        return early
    ex, okx = server.ex, book(server.ex)
    account = None
    if route.private:
        raw = request.rel_url.raw_query_string
        path = request.rel_url.raw_path + (f"?{raw}" if raw and request.method == "GET" else "")
        h = request.headers
        signed = OkxSigned(h.get("OK-ACCESS-KEY"), h.get("OK-ACCESS-SIGN"),
                           h.get("OK-ACCESS-TIMESTAMP"), h.get("OK-ACCESS-PASSPHRASE"),
                           request.method, path, body_text)  # fmt: skip
        claimed = ex.accounts.get(signed.key or "")
        entry["key"] = claimed.spec.name if claimed else None
        account = authenticate(ex, signed, ip=request.remote or "")
    who = account.spec.name if account else (request.remote or "")
    okx.charge(who, request.path, route.limit)
    body = _parse_body(body_text)
    result = route.handler(OkxCall(ex, account, query, body, fault, okx))
    if result.get("code") != "0":  # a batch (or single order) refused with HTTP 200
        entry["code"] = result.get("code")
        entry["reason"] = next((d.get("sMsg") for d in result.get("data", [])), None)
    return _json(result)


def _parse_body(text: str) -> Any:
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise OkxError("50002", "Json data format error.") from None


async def _early_fault(server: SimServer, request: web.Request, fault: str) -> web.Response | None:
    """Faults that replace the answer; `partial` and `reject` are left to the endpoint."""
    if fault == "500":
        raise OkxError("50026", "System error. Try again later.", status=500)
    if fault == "maintenance":
        raise OkxError("50001", "Service temporarily unavailable. Try again later.", status=503)
    if fault == "hollow":  # code 0 with no `data` list: not an answer, never "none"
        return _json({"code": "0", "msg": ""})
    return await connection_fault(server, request, fault)


async def connection_fault(
    server: SimServer, request: web.Request, fault: str
) -> web.Response | None:
    """HTML 5xx pages, hung requests and resets: the same whatever the exchange."""
    if fault in ("502", "503", "504"):
        return web.Response(status=int(fault), text=f"<html><body>{fault}</body></html>",
                            content_type="text/html")  # fmt: skip
    if fault == "timeout":
        closing = server._closing  # set on startup
        if closing is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), TIMEOUT_HOLD_S)
        reset_connection(request)
        raise web.HTTPGone
    if fault == "reset":
        reset_connection(request)
        raise web.HTTPGone
    return None


__all__ = ["PREFIX", "Route", "book", "connection_fault", "delay", "handle", "prepare"]
