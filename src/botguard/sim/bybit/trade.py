"""Bybit order entry and cancels on the sim's shared books (qty in base units).

Perp fills go through the sim's futures matching; spot through the dialect spot matching
with Bybit's own minimums (minOrderQty, minOrderAmt).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from botguard.sim import futures
from botguard.sim.bybit import auth
from botguard.sim.bybit.views import conditional
from botguard.sim.bybit.wire import SPOT_MIN_AMOUNT, BybitError, min_qty
from botguard.sim.dialect_spot import place_spot
from botguard.sim.errors import BinanceError
from botguard.sim.orders import finish, round_step
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Exchange, Order

BATCH_MAX = {"linear": 20, "spot": 10}
"""create-batch: 20 orders a call for linear, 10 for spot."""

_ENGINE_CODES = {
    -2010: (110007, "ab not enough for new order"),
    -2019: (110007, "ab not enough for new order"),
    -2022: (110017, "current position is zero, cannot fix reduce-only order qty"),
    -4164: (110094, "Order does not meet minimum order value 5USDT"),
    -1013: (10001, "Qty invalid"),
}  # fmt: skip


def refusal(exc: BinanceError) -> BybitError:
    """A refusal of the shared (Binance-coded) matching as Bybit's retCode."""
    code, msg = _ENGINE_CODES.get(exc.code, (10001, f"params error: {exc.msg}"))
    return BybitError(code, msg)


def category_of(req: dict[str, Any]) -> str:
    """spot or linear; 10001 otherwise (inverse and option are not modelled)."""
    cat = req.get("category")
    if cat not in ("spot", "linear"):
        raise BybitError(
            10001, "params error: category is invalid" if cat else "category is required"
        )
    return str(cat)


def read_category_of(req: dict[str, Any]) -> str:
    """As category_of, plus inverse for reads: the sim lists no inverse contract, so an
    inverse read answers only the scenario's `held` positions (and no orders)."""
    return "inverse" if req.get("category") == "inverse" else category_of(req)


def market_of(ex: Exchange, cat: str, symbol: Any) -> MarketSpec:
    """The market of a Bybit symbol in a category; 10001 when it is not listed."""
    table = ex.swap_markets if cat == "linear" else ex.spot_markets
    found = table.get(str(symbol or ""))
    if found is None:
        raise BybitError(10001, "params error: symbol invalid" if symbol else "symbol is required")
    return found


def number(raw: Any, name: str) -> Decimal | None:
    """A qty or price string; None when absent, 10001 when not a number."""
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise BybitError(10001, f"params error: {name} invalid") from None
    if not value.is_finite() or value < 0:
        raise BybitError(10001, f"params error: {name} invalid")
    return value


def flag(raw: Any) -> bool:
    """Bybit booleans: JSON true/false (strings tolerated)."""
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def _position_side(account: Account, req: dict[str, Any]) -> str:
    idx = str(req.get("positionIdx", 0))
    if account.hedge and idx not in ("1", "2"):
        raise BybitError(10001, "position idx not match position mode")
    if not account.hedge and idx != "0":
        raise BybitError(10001, "position idx not match position mode")
    return {"0": "BOTH", "1": "LONG", "2": "SHORT"}[idx]


def place(ex: Exchange, account: Account, req: dict[str, Any], *, partial: bool) -> Order:
    """POST /v5/order/create (one entry of create-batch).

    https://bybit-exchange.github.io/docs/v5/order/create-order
    """
    cat = category_of(req)
    market = market_of(ex, cat, req.get("symbol"))
    auth.need_trade(account, linear=cat == "linear")
    side = str(req.get("side", ""))
    if side not in ("Buy", "Sell"):
        raise BybitError(10001, "params error: side invalid")
    kind = str(req.get("orderType", ""))
    if kind not in ("Market", "Limit"):
        raise BybitError(10001, "params error: orderType invalid")
    qty = number(req.get("qty"), "qty")
    if not qty:
        raise BybitError(10001, "params error: qty invalid")
    price = number(req.get("price"), "price") if kind == "Limit" else None
    if kind == "Limit" and (not price or price % market.tick_size):
        raise BybitError(10001, "params error: price invalid")
    trigger = number(req.get("triggerPrice"), "triggerPrice")
    tif = str(req.get("timeInForce") or ("IOC" if kind == "Market" else "GTC"))
    order = Order(
        order_id=ex.next_id(), client_id=str(req.get("orderLinkId") or ""), market=market,
        side=side.upper(), type="MARKET" if kind == "Market" else "LIMIT", qty=ZERO,
        price=price or ZERO, time_in_force={"PostOnly": "GTX"}.get(tif, tif),
        reduce_only=flag(req.get("reduceOnly")),
        position_side=_position_side(account, req) if market.is_swap else "BOTH",
    )  # fmt: skip
    if trigger:
        return _conditional(ex, account, order, qty, trigger, req)
    if market.is_swap:
        if qty % market.step_size:
            raise BybitError(10001, "Qty invalid")
        order.qty = qty
        if order.position_side != "BOTH":
            # hedge mode: the positionIdx side decides; a sell on the buy side closes it
            order.reduce_only = (order.position_side == "LONG") == (order.side == "SELL")
        return futures.place(ex, account, order, partial=partial)
    return _spot(ex, account, order, qty, req, partial=partial)


def _spot(
    ex: Exchange, account: Account, order: Order, qty: Decimal, req: dict[str, Any], *,
    partial: bool,
) -> Order:  # fmt: skip
    market = order.market
    bid, ask = ex.bid_ask(market)
    touch = ask if order.side == "BUY" else bid
    unit = req.get("marketUnit") or ("quoteCoin" if order.side == "BUY" else "baseCoin")
    if order.type == "MARKET" and unit == "quoteCoin":
        qty = round_step(qty / touch, market.step_size)
    if qty % market.step_size:
        raise BybitError(170137, "Order volume decimal too long")
    if qty < min_qty(market):
        raise BybitError(170136, "Order quantity lower than the minimum.")
    if qty * (order.price or touch) < SPOT_MIN_AMOUNT:
        raise BybitError(170140, "Order value exceeded lower limit.")
    order.qty = qty
    return place_spot(ex, account, order, lot=market.step_size, partial=partial)


def _conditional(
    ex: Exchange, account: Account, order: Order, qty: Decimal, trigger: Decimal,
    req: dict[str, Any],
) -> Order:  # fmt: skip
    """A conditional order rests untriggered in the same book (stopOrderType set)."""
    last = ex.prices[order.market.symbol]
    direction = str(req.get("triggerDirection") or ("1" if trigger > last else "2"))
    rising = direction == "1"
    stop = rising == (order.side == "BUY")
    spot_names = ("STOP_LOSS", "TAKE_PROFIT")
    base = (
        ("STOP" if stop else "TAKE_PROFIT")
        if order.market.is_swap
        else spot_names[0 if stop else 1]
    )
    market_order = order.type == "MARKET"
    if order.market.is_swap:
        order.type = base + ("_MARKET" if market_order else "")
        order.algo = True
    else:
        order.type = base + ("" if market_order else "_LIMIT")
    order.qty, order.stop_price = qty, trigger
    book = account.algo if order.algo else account.orders
    book[order.order_id] = order
    return order


def find(account: Account, market: MarketSpec | None, req: dict[str, Any]) -> Order | None:
    """An order by orderId or orderLinkId, open or done, in any book."""
    order_id, link = req.get("orderId"), req.get("orderLinkId")
    if not order_id and not link:
        return None
    for pool in (account.orders, account.algo, account.done):
        for o in pool.values():
            if market is not None and o.market is not market:
                continue
            if (order_id and str(o.order_id) == str(order_id)) or (link and o.client_id == link):
                return o
    return None


def cancel(ex: Exchange, account: Account, req: dict[str, Any]) -> Order:
    """POST /v5/order/cancel; 110001 (170213 on spot) when it is not open.

    https://bybit-exchange.github.io/docs/v5/order/cancel-order
    """
    cat = category_of(req)
    market = market_of(ex, cat, req.get("symbol"))
    order = find(account, market, req)
    if order is None or not order.is_open:
        if cat == "spot":
            raise BybitError(170213, "Order does not exist.")
        raise BybitError(110001, "Order does not exist.")
    finish(account, order, "CANCELED")
    return order


def cancel_all_targets(ex: Exchange, account: Account, req: dict[str, Any]) -> list[Order]:
    """What POST /v5/order/cancel-all will cancel (the cancelling itself comes later).

    https://bybit-exchange.github.io/docs/v5/order/cancel-all
    linear needs symbol, baseCoin or settleCoin; spot without orderFilter cancels plain
    orders only, linear without one cancels every kind.
    """
    cat = category_of(req)
    symbol, base, settle = req.get("symbol"), req.get("baseCoin"), req.get("settleCoin")
    if cat == "linear" and not (symbol or base or settle):
        raise BybitError(10001, "Missing some parameters that must be filled in, symbol or "
                                "settleCoin or baseCoin")  # fmt: skip
    market = market_of(ex, cat, symbol) if symbol else None
    flt = req.get("orderFilter") or ("Order" if cat == "spot" else "")
    orders = [
        o for o in [*account.orders.values(), *account.algo.values()]
        if o.is_open and o.market.is_swap == (cat == "linear")
        and (market is None or o.market is market)
        and (not base or o.market.base == base)
        and (not settle or (cat == "linear" and settle == "USDT"))
        and (flt == "" or (flt == "StopOrder") == conditional(o))
    ]  # fmt: skip
    return orders
