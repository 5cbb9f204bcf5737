"""Order parameters shared by spot and futures: parsing, filters, fills and fees."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from botguard.sim import errors
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Order, Trade, now_ms

Params = Mapping[str, str]


def decimal_param(params: Params, name: str, *, required: bool = False) -> Decimal | None:
    """A numeric parameter, -1102 when required and absent, -1100 when not a number."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise errors.missing(name)
        return None
    if not _DECIMAL.fullmatch(raw):  # no sign, exponent, spaces, NaN: what Binance accepts
        raise errors.bad_param(name, DECIMAL_RANGE)
    return Decimal(raw)


DECIMAL_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
"""The legal range Binance quotes for its decimal parameters (quantity, price, ...)."""
_DECIMAL = re.compile(r"([0-9]{1,20})(\.[0-9]{1,20})?")
MAX_QTY = Decimal(9_000_000)
"""LOT_SIZE maxQty, as exchangeInfo advertises it for every market."""
MAX_PRICE_FACTOR = 1000
"""PRICE_FILTER maxPrice is the market's starting price times this (exchangeInfo's)."""

INT_RANGE = "^[0-9]{1,20}$"
"""The legal range Binance quotes for its integer parameters (limit, leverage, ...)."""


def int_param(params: Params, name: str, *, default: int) -> int:
    """A whole-number parameter; -1100 with Binance's legal range when it is not one."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,20}", raw):
        raise errors.bad_param(name, INT_RANGE)
    return int(raw)


def bool_param(params: Params, name: str) -> bool:
    """Binance booleans arrive as "true"/"false" strings."""
    return params.get(name, "false").lower() == "true"


def side_param(params: Params) -> str:
    """BUY or SELL, -1102 otherwise."""
    side = params.get("side", "").upper()
    if side not in ("BUY", "SELL"):
        raise errors.missing("side")
    return side


def round_step(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of the market's step."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def check_filters(market: MarketSpec, qty: Decimal, price: Decimal | None) -> None:
    """LOT_SIZE, PRICE_FILTER and (MIN_)NOTIONAL, as exchangeInfo advertises them."""
    if qty <= 0 or qty > MAX_QTY or qty % market.step_size:
        raise errors.filter_failure("LOT_SIZE")
    max_price = market.price * MAX_PRICE_FACTOR
    if price is not None and (price <= 0 or price > max_price or price % market.tick_size):
        raise errors.filter_failure("PRICE_FILTER")


def check_notional(market: MarketSpec, qty: Decimal, price: Decimal, *, reduce: bool) -> None:
    """Orders below the minimum notional are refused unless they only reduce a position."""
    if reduce or qty * price >= market.min_notional:
        return
    if market.is_swap:
        raise errors.BinanceError(
            400,
            -4164,
            f"Order's notional must be no smaller than {market.min_notional} "
            "(unless you choose reduce only).",
        )
    raise errors.filter_failure("NOTIONAL")


def record_fill(  # noqa: PLR0913 - a fill has this many facts
    account: Account,
    order: Order,
    *,
    price: Decimal,
    qty: Decimal,
    fee: Decimal,
    fee_asset: str,
    maker: bool,
    realized_pnl: Decimal = ZERO,
    trade_id: int,
) -> Trade:
    """Apply a fill to the order and remember the trade for myTrades."""
    order.executed += qty
    order.cum_quote += qty * price
    order.updated_ms = now_ms()
    order.status = "FILLED" if order.executed >= order.qty else "PARTIALLY_FILLED"
    trade = Trade(trade_id, order, price, qty, fee, fee_asset, maker, realized_pnl, now_ms())
    account.trades.append(trade)
    return trade


def finish(account: Account, order: Order, status: str) -> None:
    """Take an order off its book with a final status (CANCELED, EXPIRED, FILLED)."""
    order.status = status
    order.updated_ms = now_ms()
    book = account.algo if order.algo else account.orders
    book.pop(order.order_id, None)
    account.done[order.order_id] = order
    if order.locked:
        bal = account.balance(order.locked_asset)
        bal.free += order.locked
        bal.locked -= order.locked
        order.locked = ZERO


def find_order(account: Account, params: Params, *, algo: bool) -> Order:
    """The order named by orderId/origClientOrderId (algoId/clientAlgoId), open or done."""
    id_key, client_key = ("algoId", "clientAlgoId") if algo else ("orderId", "origClientOrderId")
    order_id, client_id = params.get(id_key), params.get(client_key)
    if not order_id and not client_id:
        raise errors.missing(id_key)
    pools = [account.algo if algo else account.orders, account.done]
    for pool in pools:
        for order in pool.values():
            if order.algo != algo:
                continue
            if (order_id and str(order.order_id) == order_id) or (
                client_id and order.client_id == client_id
            ):
                return order
    raise errors.no_such_order()
