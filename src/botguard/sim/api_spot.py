"""Signed spot endpoints under /api/v3: account, orders, test orders, cancels, my trades."""

from __future__ import annotations

from typing import Any

from botguard.sim import errors, spot
from botguard.sim.auth import Permission
from botguard.sim.orders import (
    check_filters,
    check_notional,
    decimal_param,
    find_order,
    int_param,
    side_param,
)
from botguard.sim.routes import Call, Endpoint, signed
from botguard.sim.state import ZERO
from botguard.sim.views import fmt, spot_account, spot_order


def _open_orders(call: Call) -> list[dict[str, Any]]:
    symbol = call.params.get("symbol")
    market = call.ex.market(symbol, swap=False) if symbol else None
    return [spot_order(o) for o in call.me.open_orders(market) if not o.market.is_swap]


STOP_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
RESP_TYPES = ("ACK", "RESULT", "FULL")
FULL_BY_DEFAULT = ("MARKET", "LIMIT")
"""Binance: MARKET and LIMIT orders answer FULL unless told otherwise, the rest ACK."""


def _resp_type(call: Call) -> str:
    """newOrderRespType, Binance's default for the order type when absent; -1136 if bad."""
    given = call.params.get("newOrderRespType")
    if given is None or given == "":
        kind = call.params.get("type", "").upper()
        return "FULL" if kind in FULL_BY_DEFAULT else "ACK"
    if given.upper() not in RESP_TYPES:
        raise errors.BinanceError(400, -1136, "Invalid newOrderRespType.")
    return given.upper()


def _place(call: Call) -> dict[str, Any]:
    resp = _resp_type(call)
    if call.fault == "reject":
        raise errors.BinanceError(400, -2010, "Order was rejected: simulated fault.")
    order, fills = spot.place(call.ex, call.me, call.params, partial=call.fault == "partial")
    if resp == "ACK":
        return {"symbol": order.market.market_id, "orderId": order.order_id, "orderListId": -1,
                "clientOrderId": order.client_id, "transactTime": order.updated_ms}  # fmt: skip
    return spot_order(order, fills if resp == "FULL" else None)


def _test_order(call: Call) -> dict[str, Any]:
    """POST /api/v3/order/test: the order's checks, nothing placed; `{}` when it would pass.

    The same parameters and filters as a real order (symbol, side, type, quantity,
    price, LOT_SIZE, PRICE_FILTER, NOTIONAL); balances are not checked, as on Binance.
    """
    _resp_type(call)
    market = call.ex.market(call.params.get("symbol"), swap=False)
    side = side_param(call.params)
    kind = call.params.get("type", "").upper()
    if kind not in ("LIMIT", "LIMIT_MAKER", "MARKET", *STOP_TYPES):
        raise errors.BinanceError(400, -1116, "Invalid orderType.")
    bid, ask = call.ex.bid_ask(market)
    touch = ask if side == "BUY" else bid
    quote_qty = decimal_param(call.params, "quoteOrderQty")
    if kind == "MARKET" and quote_qty is not None:
        qty = quote_qty / touch
    else:
        qty = decimal_param(call.params, "quantity", required=True) or ZERO
    priced = kind not in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")
    price = decimal_param(call.params, "price", required=True) if priced else None
    stop = decimal_param(call.params, "stopPrice", required=kind in STOP_TYPES)
    if quote_qty is None or kind != "MARKET":
        check_filters(market, qty, price)
    check_notional(market, qty, price or stop or touch, reduce=False)
    return {}


def _get_order(call: Call) -> dict[str, Any]:
    call.ex.market(call.params.get("symbol"), swap=False)
    return spot_order(find_order(call.me, call.params, algo=False))


def _cancel(call: Call) -> dict[str, Any]:
    call.ex.market(call.params.get("symbol"), swap=False)
    try:
        order = find_order(call.me, call.params, algo=False)
    except errors.BinanceError:
        raise errors.unknown_order() from None
    return spot_order(spot.cancel(call.me, order))


def _cancel_all(call: Call) -> list[dict[str, Any]]:
    market = call.ex.market(call.params.get("symbol"), swap=False)
    return [spot_order(o) for o in spot.cancel_all(call.me, market)]


def _my_trades(call: Call) -> list[dict[str, Any]]:
    market = call.ex.market(call.params.get("symbol"), swap=False)
    limit = int_param(call.params, "limit", default=500)
    trades = [t for t in call.me.trades if t.order.market is market][-limit:]
    return [
        {"symbol": market.market_id, "id": t.trade_id, "orderId": t.order.order_id,
         "orderListId": -1, "price": fmt(t.price), "qty": fmt(t.qty),
         "quoteQty": fmt(t.price * t.qty), "commission": fmt(t.fee),
         "commissionAsset": t.fee_asset, "time": t.time_ms,
         "isBuyer": t.order.side == "BUY", "isMaker": t.maker, "isBestMatch": True}
        for t in trades
    ]  # fmt: skip


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/account"): signed(lambda call: spot_account(call.me), 20),
    ("GET", "/api/v3/openOrders"): signed(_open_orders, 6, weight_all=80),
    ("GET", "/api/v3/order"): signed(_get_order, 4),
    ("GET", "/api/v3/myTrades"): signed(_my_trades, 20),
    ("POST", "/api/v3/order"): signed(_place, 1, Permission.SPOT, places_order=True),
    ("POST", "/api/v3/order/test"): signed(_test_order, 1, Permission.SPOT),
    ("DELETE", "/api/v3/order"): signed(_cancel, 1, Permission.SPOT),
    ("DELETE", "/api/v3/openOrders"): signed(_cancel_all, 1, Permission.SPOT),
}
