"""Answer one /v5/* request as Bybit would: latency, faults, auth, limits, endpoint.

Faults use the sim's `--faults` rules; connection faults (timeout, reset) and HTML
5xx pages are shared with the OKX dialect, JSON refusals are Bybit's retCodes.
"""

from __future__ import annotations

import json
import logging
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from aiohttp import web

from botguard.sim.bybit.api import ROUTES, BybitBook, BybitCall
from botguard.sim.bybit.auth import BybitSigned, authenticate
from botguard.sim.bybit.wire import BybitError
from botguard.sim.okx.serve import connection_fault, delay

if TYPE_CHECKING:
    from botguard.sim.server import SimServer
    from botguard.sim.state import Exchange

logger = logging.getLogger(__name__)

PREFIX = "/v5/"
_BOOKS: weakref.WeakKeyDictionary[Exchange, BybitBook] = weakref.WeakKeyDictionary()


def book(ex: Exchange) -> BybitBook:
    """The Bybit-only state of one sim (created on first use)."""
    found = _BOOKS.get(ex)
    if found is None:
        found = _BOOKS[ex] = BybitBook()
    return found


async def handle(server: SimServer, request: web.Request, entry: dict[str, Any]) -> web.Response:
    """One Bybit request, logged in `entry` like every other."""
    try:
        return await _answer(server, request, entry)
    except BybitError as exc:
        entry["code"], entry["reason"] = exc.code, exc.reason
        if exc.code != 10006:
            logger.info("sim bybit: %s %s -> %s (%s)", request.method, request.path, exc.code,
                        exc.reason)  # fmt: skip
        return _json(exc.body(), exc.status, exc.headers)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=headers)  # fmt: skip


async def _answer(server: SimServer, request: web.Request, entry: dict[str, Any]) -> web.Response:
    await delay(server)
    route = ROUTES.get((request.method, request.path))
    if route is None:
        entry["unknown"] = True
        logger.warning("sim bybit: unknown endpoint %s %s", request.method, request.path)
        raise BybitError(10017, "route not found", status=404)
    body_text = (await request.text()) if request.can_read_body else ""
    raw_query = request.rel_url.raw_query_string
    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    fault = server.faults.pick(request.method, request.path)
    entry["fault"] = fault
    if fault is not None:
        if fault == "500":
            raise BybitError(10016, "Internal server error.", status=500)
        if fault == "maintenance":
            raise BybitError(10016, "Service is under maintenance.", status=503)
        if fault == "hollow":  # retCode 0 with no `list`: not an answer, never "none"
            return _json({"retCode": 0, "retMsg": "OK", "result": {}, "retExtInfo": {}})
        if (early := await connection_fault(server, request, fault)) is not None:
            return early
    ex, limits = server.ex, book(server.ex)
    account = None
    headers: dict[str, str] = {}
    if route.private:
        h = request.headers
        payload = raw_query if request.method == "GET" else body_text
        signed = BybitSigned(
            h.get("X-BAPI-API-KEY"), h.get("X-BAPI-SIGN"), h.get("X-BAPI-TIMESTAMP"),
            h.get("X-BAPI-RECV-WINDOW"), payload,
        )  # fmt: skip
        claimed = ex.accounts.get(signed.key or "")
        entry["key"] = claimed.spec.name if claimed else None
        account = authenticate(ex, signed, ip=request.remote or "")
        headers = limits.charge(account.spec.name, request.path, route.limit)
    body = _parse_body(body_text)
    result = route.handler(BybitCall(ex, account, query, body, fault))
    ext = (result.get("retExtInfo") or {}).get("list") or []
    if any(e.get("code") for e in ext):  # a batch with refused entries, HTTP 200
        entry["code"] = next(e["code"] for e in ext if e.get("code"))
    return _json(result, headers=headers)


def _parse_body(text: str) -> Any:
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise BybitError(10001, "params error: invalid json") from None


__all__ = ["PREFIX", "book", "handle"]
