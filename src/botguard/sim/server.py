"""The aiohttp server: one catch-all handler that authenticates, rate-limits, injects
faults, dispatches to the endpoint table and logs every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from botguard.sim import admin, dialects
from botguard.sim.auth import Security, Signed, authenticate
from botguard.sim.errors import BinanceError, unreadable_request
from botguard.sim.faults import Faults, parse_faults
from botguard.sim.limits import RateLimiter
from botguard.sim.routes import Call, Endpoint, all_routes
from botguard.sim.scenario import Scenario
from botguard.sim.state import Exchange, now_ms
from botguard.sim.transport import reset_connection

logger = logging.getLogger(__name__)

TIMEOUT_HOLD_S = 120.0
"""How long a `timeout` fault holds a request before dropping it unanswered."""
LATE_AFTER_S = 1.0
"""A `late` request is processed this long after its client hung up (its answer is lost)."""
LOG_MAX = 200_000


class SimServer:
    """One simulated Binance: state, limits, faults, request log."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        latency_ms: float = 0,
        jitter_ms: float = 0,
        faults: str | None = None,
        seed: int | None = None,
    ) -> None:
        self.ex = Exchange(scenario)
        dialects.prepare(self.ex)
        seed = scenario.seed if seed is None else seed
        spec = ",".join(s for s in (scenario.faults, faults) if s)
        self.faults = Faults(parse_faults(spec), seed)
        self.limiter = RateLimiter(scenario.limits)
        self.routes: dict[tuple[str, str], Endpoint] = all_routes()
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_MAX)
        self.latency_s = latency_ms / 1000
        self.jitter_s = jitter_ms / 1000
        self._rng = random.Random(seed)  # noqa: S311 - simulation, not crypto
        self._closing: asyncio.Event | None = None

    def make_app(self) -> web.Application:
        """The aiohttp application serving every Binance path and /_sim/*."""
        app = web.Application(client_max_size=1024**2)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._on_startup)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_startup(self, app: web.Application) -> None:
        self._closing = asyncio.Event()

    async def _on_shutdown(self, app: web.Application) -> None:
        if self._closing is not None:
            self._closing.set()
        for account in self.ex.accounts.values():
            for handle in account.countdowns.values():
                handle.cancel()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request the way Binance would, and log it."""
        if request.path.startswith("/_sim/"):
            try:
                return await admin.handle(self, request)
            except ConnectionResetError:
                return _client_gone(request, {})
        started = time.perf_counter()
        entry: dict[str, Any] = {
            "ts": now_ms(), "method": request.method, "path": request.path, "key": None,
            "status": 0, "ms": 0.0, "code": None, "reason": None, "fault": None,
            "unknown": False,
        }  # fmt: skip
        self.log.append(entry)
        dialect = dialects.route(request.path)
        response: web.StreamResponse
        try:
            if dialect is not None:  # OKX / Bybit paths: their own auth, errors and limits
                response = await dialect(self, request, entry)
            else:
                response = await self._answer(request, entry)
        except BinanceError as exc:
            response = _error_response(exc, entry)
        except web.HTTPException:
            raise
        except ConnectionResetError:  # the client left mid-request: its business, not a bug
            response = _client_gone(request, entry)
        except Exception:  # a sim bug must still answer like Binance, and be loud
            logger.exception("sim: %s %s failed inside the sim", request.method, request.path)
            unknown = BinanceError(
                500, -1000, "An unknown error occurred while processing the request.",
                reason="sim internal error (see the sim's log)",
            )  # fmt: skip
            response = _error_response(unknown, entry)
        entry["status"] = response.status
        entry["ms"] = round((time.perf_counter() - started) * 1000, 3)
        return response

    async def _answer(self, request: web.Request, entry: dict[str, Any]) -> web.StreamResponse:
        if self.latency_s or self.jitter_s:
            delay = self.latency_s + self._rng.uniform(-self.jitter_s, self.jitter_s)
            await asyncio.sleep(max(delay, 0))
        endpoint = self.routes.get((request.method, request.path))
        if endpoint is None:
            entry["unknown"] = True
            logger.warning("sim: unknown endpoint %s %s", request.method, request.path)
            raise BinanceError(
                404, -5000, f"Path {request.path}, Method {request.method} is invalid",
                reason="endpoint not implemented by the sim",
            )  # fmt: skip
        try:
            body = (await request.text()) if request.can_read_body else ""
        except UnicodeDecodeError:
            raise unreadable_request() from None
        params = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        ip = request.remote or ""
        used, limited = self.limiter.charge(ip, endpoint.weight_for(params))
        headers = {"X-MBX-USED-WEIGHT-1M": str(used)}
        if limited:
            limited.headers = headers
            raise limited
        try:
            return await self._serve(request, endpoint, params, body, entry, headers)
        except BinanceError as exc:
            exc.headers = {**headers, **exc.headers}  # Binance counts weight on errors too
            raise

    async def _serve(
        self,
        request: web.Request,
        endpoint: Endpoint,
        params: dict[str, str],
        body: str,
        entry: dict[str, Any],
        headers: dict[str, str],
    ) -> web.StreamResponse:
        """Faults, authentication, order limits, then the endpoint itself."""
        fault = self.faults.pick(request.method, request.path)
        entry["fault"] = fault
        if fault is not None and (early := await self._early_fault(request, fault)) is not None:
            return early
        if fault == "late":
            await self._until_hung_up(request)
        ip = request.remote or ""
        signed = Signed(request.headers.get("X-MBX-APIKEY"), request.rel_url.raw_query_string, body)
        claimed = self.ex.accounts.get(signed.api_key or "")
        entry["key"] = claimed.spec.name if claimed else None  # the name, never the key
        account = authenticate(
            self.ex, signed, security=endpoint.security, permission=endpoint.permission, ip=ip
        )
        if endpoint.places_order:
            count, refused = self.limiter.count_order(ip)
            headers["X-MBX-ORDER-COUNT-10S"] = str(count)
            if refused:
                raise refused
        result = endpoint.handler(Call(self.ex, account, params, fault, asyncio.get_running_loop()))
        return web.Response(
            text=json.dumps(result), content_type="application/json", headers=headers
        )

    async def _until_hung_up(self, request: web.Request) -> None:
        """Hold a request until its client gives up on it, then LATE_AFTER_S more: the
        exchange still processes what arrived, after the client stopped listening."""
        held = 0.0
        while held < TIMEOUT_HOLD_S:
            transport = request.transport
            if transport is None or transport.is_closing():
                break
            await asyncio.sleep(0.02)
            held += 0.02
        await asyncio.sleep(LATE_AFTER_S)

    async def _early_fault(self, request: web.Request, fault: str) -> web.StreamResponse | None:
        """Faults that replace the answer; `partial` and `reject` are left to the endpoint."""
        if fault in ("500",):
            raise BinanceError(
                500, -1001, "Internal error; unable to process your request. Please try again."
            )
        if fault in ("502", "503", "504"):
            return web.Response(status=int(fault), text=f"<html><body>{fault}</body></html>",
                                content_type="text/html")  # fmt: skip
        if fault == "maintenance":
            raise BinanceError(503, 1, "System is under maintenance.")
        if fault == "timeout":
            assert self._closing is not None  # noqa: S101 - set on startup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), TIMEOUT_HOLD_S)
            reset_connection(request)
            raise web.HTTPGone
        if fault == "reset":
            reset_connection(request)
            raise web.HTTPGone
        if fault == "hollow":  # 200 with no list in it: not an answer, never "none"
            return web.Response(text="{}", content_type="application/json")
        return None


CLIENT_GONE = 499
"""Logged status of a request whose client disconnected before it was answered (nginx's)."""


def _client_gone(request: web.Request, entry: dict[str, Any]) -> web.Response:
    """Note a client that hung up mid-request; nobody is left to read the answer."""
    logger.info("sim: %s %s: the client disconnected before the request was complete",
                request.method, request.path)  # fmt: skip
    entry["reason"] = "client disconnected"
    return web.Response(status=CLIENT_GONE)


def _error_response(exc: BinanceError, entry: dict[str, Any]) -> web.Response:
    entry["code"] = exc.code
    entry["reason"] = exc.reason
    headers = dict(exc.headers)
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status >= 400 and exc.code not in (-1003, -1015):
        logger.info("sim: %s %s -> %s %s (%s)", entry["method"], entry["path"], exc.status,
                    exc.code, exc.reason)  # fmt: skip
    return web.Response(
        status=exc.status, text=json.dumps(exc.body()), content_type="application/json",
        headers=headers,
    )  # fmt: skip


__all__ = ["Security", "SimServer"]
