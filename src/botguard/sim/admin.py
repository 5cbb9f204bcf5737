"""The sim's own loopback-only endpoints: /_sim/state, /_sim/log, /_sim/prices."""

from __future__ import annotations

import ipaddress
import json
import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from botguard.sim import futures, spot
from botguard.sim.state import Account, Exchange
from botguard.sim.views import algo_order, fmt, futures_order, position_risk, spot_order

if TYPE_CHECKING:
    from botguard.sim.server import SimServer


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


async def handle(server: SimServer, request: web.Request) -> web.StreamResponse:
    """Dispatch /_sim/*; refuse anything not from loopback."""
    if not _is_loopback(request.remote):
        return web.json_response({"error": "the /_sim admin API is loopback-only"}, status=403)
    key = (request.method, request.path)
    if key == ("GET", "/_sim/state"):
        return web.json_response(state(server.ex))
    if key == ("GET", "/_sim/log"):
        return web.json_response(list(server.log))
    if key == ("DELETE", "/_sim/log"):
        server.log.clear()
        return web.json_response({"cleared": True})
    if key == ("GET", "/_sim/prices"):
        return web.json_response({s: fmt(p) for s, p in server.ex.prices.items()})
    if key == ("POST", "/_sim/prices"):
        return await _set_prices(server.ex, request)
    return web.json_response(
        {"error": f"no admin endpoint {request.method} {request.path}"}, status=404
    )


async def _set_prices(ex: Exchange, request: web.Request) -> web.Response:
    try:
        updates = parse_prices(ex, json.loads(await request.text()))
    except RecursionError:
        return web.json_response({"error": "body is nested too deeply"}, status=400)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors too
        return web.json_response({"error": str(exc)}, status=400)
    move_prices(ex, updates)
    return web.json_response({s: fmt(p) for s, p in updates.items()})


def parse_prices(ex: Exchange, body: Any) -> dict[str, Decimal]:
    """Validate a `{symbol: price}` object; ValueError names the first bad entry."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object of symbol -> price")
    updates: dict[str, Decimal] = {}
    for symbol, raw in body.items():
        if symbol not in ex.by_symbol:
            raise ValueError(f"unknown market {symbol!r}")
        price = _price(raw)
        if price is None:
            raise ValueError(
                f'{symbol}: price must be a finite decimal > 0 such as "65000.5" '
                f"(up to {_INT_DIGITS} digits before the point and {_FRAC_DIGITS} after)"
            )
        updates[symbol] = price
    return updates


_INT_DIGITS, _FRAC_DIGITS = 15, 18
_PRICE = re.compile(rf"[0-9]{{1,{_INT_DIGITS}}}(\.[0-9]{{1,{_FRAC_DIGITS}}})?")
"""A plain decimal: no sign, exponent, spaces, underscores, NaN or Infinity (Decimal takes all)."""


def _price(raw: Any) -> Decimal | None:
    """A JSON number or string as a positive Decimal of sane size, else None."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    if isinstance(raw, str):
        text = raw
    elif math.isfinite(raw) and abs(raw) < 10**_INT_DIGITS:
        text = format(Decimal(str(raw)), "f")
    else:
        return None
    if not _PRICE.fullmatch(text):
        return None
    price = Decimal(text)
    return price if price > 0 else None


def move_prices(ex: Exchange, updates: dict[str, Decimal]) -> None:
    """Set prices, then let resting and conditional orders react to them."""
    ex.prices.update(updates)
    for symbol in updates:
        market = ex.by_symbol[symbol]
        for account in ex.accounts.values():
            (futures.sweep if market.is_swap else spot.sweep)(ex, account, market)


def state(ex: Exchange) -> dict[str, Any]:
    """Everything the sim holds, in Binance's own shapes where one exists."""
    return {
        "prices": {s: fmt(p) for s, p in ex.prices.items()},
        "accounts": {a.spec.name: _account(ex, a) for a in ex.accounts.values()},
    }


def _account(ex: Exchange, a: Account) -> dict[str, Any]:
    return {
        "api_key_name": a.spec.name,
        "exchange": a.spec.exchange,
        "position_mode": "hedge" if a.hedge else "one-way",
        "spot": {k: {"free": fmt(b.free), "locked": fmt(b.locked)} for k, b in a.spot.items()},
        "futures": {k: fmt(v) for k, v in a.wallet.items()},
        "open_orders": [
            futures_order(o) if o.market.is_swap else spot_order(o) for o in a.orders.values()
        ],
        "algo_orders": [algo_order(o) for o in a.algo.values()],
        "positions": [position_risk(ex, a, p) for p in a.positions.values() if p.amount],
        "leverage": dict(a.leverage),
        "countdowns": sorted(a.countdowns),
        "trades": len(a.trades),
    }
