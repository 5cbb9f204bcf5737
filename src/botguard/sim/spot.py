"""Spot matching: market orders fill at the touch, limits rest and lock balance."""

from __future__ import annotations

from decimal import Decimal

from botguard.sim import errors
from botguard.sim.orders import (
    Params,
    check_filters,
    check_notional,
    decimal_param,
    finish,
    record_fill,
    round_step,
    side_param,
)
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Exchange, Order, Trade

_STOP_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")


def place(
    ex: Exchange, account: Account, params: Params, *, partial: bool = False
) -> tuple[Order, list[Trade]]:
    """POST /api/v3/order: validate, then fill, rest or refuse as Binance would."""
    market = ex.market(params.get("symbol"), swap=False)
    side = side_param(params)
    kind = params.get("type", "").upper()
    if kind not in ("LIMIT", "LIMIT_MAKER", "MARKET", *_STOP_TYPES):
        raise errors.BinanceError(400, -1116, "Invalid orderType.")
    bid, ask = ex.bid_ask(market)
    touch = ask if side == "BUY" else bid
    qty = _quantity(market, params, kind, touch)
    price = (
        None
        if kind in ("MARKET", "STOP_LOSS", "TAKE_PROFIT")
        else decimal_param(params, "price", required=True)
    )
    stop = decimal_param(params, "stopPrice", required=kind in _STOP_TYPES)
    check_filters(market, qty, price)
    check_notional(market, qty, price or stop or touch, reduce=False)
    order = Order(
        order_id=ex.next_id(),
        client_id=params.get("newClientOrderId") or f"sim{ex.next_id()}",
        market=market, side=side, type=kind, qty=qty, price=price or ZERO,
        stop_price=stop or ZERO, time_in_force=params.get("timeInForce", "GTC"),
    )  # fmt: skip
    crosses = kind == "MARKET" or (
        kind in ("LIMIT", "LIMIT_MAKER") and price is not None
        and (price >= ask if side == "BUY" else price <= bid)
    )  # fmt: skip
    if crosses and kind == "LIMIT_MAKER":
        raise errors.BinanceError(400, -2010, "Order would immediately match and take.")
    immediate = kind == "MARKET" or order.time_in_force in ("IOC", "FOK")
    if crosses:
        fill_qty = round_step(qty * ex.scenario.partial_fill, market.step_size) if partial else qty
        fills = [_fill(ex, account, order, touch, fill_qty, maker=False)]
        if order.executed < order.qty and immediate:
            order.status = "EXPIRED"  # IOC/FOK and market orders never rest
        if order.is_open:
            _lock(account, order)
            account.orders[order.order_id] = order
        else:
            account.done[order.order_id] = order
        return order, fills
    if immediate:
        order.status = "EXPIRED"
        account.done[order.order_id] = order
        return order, []
    _lock(account, order)
    account.orders[order.order_id] = order
    return order, []


def _quantity(market: MarketSpec, params: Params, kind: str, touch: Decimal) -> Decimal:
    quote_qty = decimal_param(params, "quoteOrderQty")
    if quote_qty is not None and kind == "MARKET":
        return round_step(quote_qty / touch, market.step_size)
    qty = decimal_param(params, "quantity", required=True)
    assert qty is not None  # noqa: S101 - required=True raised otherwise
    return qty


def _lock(account: Account, order: Order) -> None:
    """Lock what the resting remainder could spend; -2010 if the free balance is short."""
    remaining = order.qty - order.executed
    if order.side == "BUY":
        asset, amount = order.market.quote, remaining * (order.price or order.stop_price)
    else:
        asset, amount = order.market.base, remaining
    bal = account.balance(asset)
    if bal.free < amount:
        raise errors.insufficient_balance()
    bal.free -= amount
    bal.locked += amount
    order.locked_asset, order.locked = asset, amount


def _fill(
    ex: Exchange, account: Account, order: Order, price: Decimal, qty: Decimal, *, maker: bool
) -> Trade:
    """Move balances for one fill; the fee is taken from the asset received."""
    base, quote = account.balance(order.market.base), account.balance(order.market.quote)
    cost = qty * price
    rate = ex.scenario.spot_fee
    spend_from = quote if order.side == "BUY" else base
    spend = cost if order.side == "BUY" else qty
    if order.locked:
        release = min(order.locked, spend if order.side == "SELL" else qty * order.price)
        spend_from.locked -= release
        spend_from.free += release
        order.locked -= release
    if spend_from.free < spend:
        raise errors.insufficient_balance()
    spend_from.free -= spend
    if order.side == "BUY":
        fee, fee_asset = qty * rate, order.market.base
        base.free += qty - fee
    else:
        fee, fee_asset = cost * rate, order.market.quote
        quote.free += cost - fee
    return record_fill(
        account, order, price=price, qty=qty, fee=fee, fee_asset=fee_asset, maker=maker,
        trade_id=ex.next_id(),
    )  # fmt: skip


def cancel(account: Account, order: Order) -> Order:
    """DELETE /api/v3/order on an open order; -2011 if it is no longer open."""
    if not order.is_open or order.market.is_swap:
        raise errors.unknown_order()
    finish(account, order, "CANCELED")
    return order


def cancel_all(account: Account, market: MarketSpec) -> list[Order]:
    """DELETE /api/v3/openOrders: Binance answers -2011 when nothing was open."""
    open_orders = account.open_orders(market)
    if not open_orders:
        raise errors.unknown_order()
    for order in open_orders:
        finish(account, order, "CANCELED")
    return open_orders


def sweep(ex: Exchange, account: Account, market: MarketSpec) -> None:
    """After a price move: fill resting limits the new price crosses, trigger stops."""
    bid, ask = ex.bid_ask(market)
    last = ex.prices[market.symbol]
    for order in account.open_orders(market):
        if order.type in ("LIMIT", "LIMIT_MAKER"):
            if (order.side == "BUY" and ask <= order.price) or (
                order.side == "SELL" and bid >= order.price
            ):
                _fill(ex, account, order, order.price, order.qty - order.executed, maker=True)
                finish(account, order, "FILLED")
        elif _triggered(order, last):
            touch = ask if order.side == "BUY" else bid
            price = order.price if order.type.endswith("_LIMIT") else touch
            _fill(ex, account, order, price, order.qty - order.executed, maker=False)
            finish(account, order, "FILLED")


def _triggered(order: Order, last: Decimal) -> bool:
    rising = (order.side == "BUY") == order.type.startswith("STOP")
    return last >= order.stop_price if rising else last <= order.stop_price
