"""Spot matching for the OKX and Bybit dialects: the sim's spot fills and locks, without
Binance's notional filter (each dialect checks its own minimums before calling)."""

from __future__ import annotations

from decimal import Decimal

from botguard.sim import spot
from botguard.sim.orders import finish, round_step
from botguard.sim.state import Account, Exchange, Order


def place_spot(
    ex: Exchange, account: Account, order: Order, *, lot: Decimal, partial: bool
) -> Order:
    """Fill a market or crossing limit order at the touch, rest the others (locking funds).

    `order.qty` is already in base units and checked; a `partial` fault fills half.
    IOC/FOK that find nothing and post-only orders that would take are cancelled.
    """
    bid, ask = ex.bid_ask(order.market)
    touch = ask if order.side == "BUY" else bid
    crosses = order.type == "MARKET" or (
        order.price >= ask if order.side == "BUY" else order.price <= bid
    )
    if crosses and order.time_in_force == "GTX":
        finish(account, order, "CANCELED")
        return order
    if not crosses:
        if order.time_in_force in ("IOC", "FOK"):
            finish(account, order, "CANCELED")
            return order
        spot._lock(account, order)
        account.orders[order.order_id] = order
        return order
    fill = round_step(order.qty * ex.scenario.partial_fill, lot) if partial else order.qty
    spot._fill(ex, account, order, touch, fill, maker=False)
    if order.executed < order.qty and order.type == "LIMIT" and order.time_in_force == "GTC":
        spot._lock(account, order)
        account.orders[order.order_id] = order
    else:
        finish(account, order, "FILLED" if order.executed >= order.qty else "CANCELED")
    return order
