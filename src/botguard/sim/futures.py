"""USDⓈ-M matching: positions (one-way and hedge), reduceOnly, margin, the algo book."""

from __future__ import annotations

from decimal import Decimal

from botguard.sim import errors
from botguard.sim.orders import (
    Params,
    bool_param,
    check_filters,
    check_notional,
    decimal_param,
    finish,
    record_fill,
    round_step,
    side_param,
)
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Exchange, Order, Position
from botguard.sim.views import unrealized

PLAIN_TYPES = ("LIMIT", "MARKET")
ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
DEFAULT_LEVERAGE = 20


def used_margin(ex: Exchange, account: Account) -> Decimal:
    """Initial margin held by positions and resting orders."""
    total = ZERO
    for p in account.positions.values():
        total += abs(p.amount) * ex.prices[p.market.symbol] / leverage(account, p.market)
    for o in account.orders.values():
        if o.market.is_swap and not o.reduce_only:
            total += (o.qty - o.executed) * o.price / leverage(account, o.market)
    return total


def leverage(account: Account, market: MarketSpec) -> int:
    """The account's leverage on a market (Binance defaults new symbols to 20x)."""
    return account.leverage.get(market.market_id, DEFAULT_LEVERAGE)


def available(ex: Exchange, account: Account) -> Decimal:
    """USDT available for new margin: wallet + uPnL - used margin."""
    upnl = sum((unrealized(ex, p) for p in account.positions.values()), ZERO)
    return account.wallet.get("USDT", ZERO) + upnl - used_margin(ex, account)


def build_order(ex: Exchange, account: Account, params: Params, *, algo: bool) -> Order:
    """Validate /fapi/v1/order (plain) or /fapi/v1/algoOrder (conditional) parameters."""
    market = ex.market(params.get("symbol"), swap=True)
    side = side_param(params)
    kind = params.get("type", "").upper()
    if kind not in (ALGO_TYPES if algo else PLAIN_TYPES):
        if kind in ALGO_TYPES:
            raise errors.BinanceError(
                400, -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API "
                "endpoints instead.",
            )  # fmt: skip
        raise errors.BinanceError(400, -1116, "Invalid orderType.")
    close_position = bool_param(params, "closePosition")
    reduce_only = bool_param(params, "reduceOnly")
    position_side = _position_side(account, params, reduce_only)
    qty = decimal_param(params, "quantity", required=not close_position) or ZERO
    price = decimal_param(params, "price", required=kind in ("LIMIT", "STOP", "TAKE_PROFIT"))
    trigger = decimal_param(params, "triggerPrice" if algo else "stopPrice", required=algo)
    if not close_position:
        check_filters(market, qty, price)
    client_key = "clientAlgoId" if algo else "newClientOrderId"
    return Order(
        order_id=ex.next_id(), client_id=params.get(client_key) or f"sim{ex.next_id()}",
        market=market, side=side, type=kind, qty=qty, price=price or ZERO,
        stop_price=trigger or ZERO, time_in_force=params.get("timeInForce", "GTC"),
        reduce_only=reduce_only or close_position, close_position=close_position,
        position_side=position_side, algo=algo,
    )  # fmt: skip


def _position_side(account: Account, params: Params, reduce_only: bool) -> str:
    side = params.get("positionSide", "BOTH").upper()
    if account.hedge and side not in ("LONG", "SHORT"):
        raise errors.position_side_mismatch()
    if not account.hedge and side != "BOTH":
        raise errors.position_side_mismatch()
    if account.hedge and reduce_only:
        raise errors.BinanceError(400, -1106, "Parameter 'reduceonly' sent when not required.")
    return side


def place(ex: Exchange, account: Account, order: Order, *, partial: bool = False) -> Order:
    """Fill a market order or a crossing limit at the touch; rest the others."""
    bid, ask = ex.bid_ask(order.market)
    touch = ask if order.side == "BUY" else bid
    crosses = order.type == "MARKET" or (
        order.price >= ask if order.side == "BUY" else order.price <= bid
    )
    qty = _allowed_qty(account, order)
    check_notional(order.market, qty or order.qty, order.price or touch, reduce=order.reduce_only)
    tif = order.time_in_force
    if (not crosses and tif in ("IOC", "FOK", "GTX")) or (crosses and tif == "GTX"):
        finish(account, order, "EXPIRED")  # IOC/FOK found nothing; post-only would take
        return order
    if not crosses:
        _check_margin(ex, account, order, qty * order.price)
        account.orders[order.order_id] = order
        return order
    if partial:
        qty = round_step(qty * ex.scenario.partial_fill, order.market.step_size)
    _check_margin(ex, account, order, _opening_qty(account, order, qty) * touch)
    fill(ex, account, order, touch, qty, maker=False)
    if order.type == "MARKET" or tif in ("IOC", "FOK") or not order.is_open:
        finish(account, order, "FILLED" if order.executed >= order.qty else "EXPIRED")
    else:
        account.orders[order.order_id] = order
    return order


def _position(account: Account, order: Order) -> Position:
    key = (order.market.market_id, order.position_side)
    return account.positions.setdefault(key, Position(order.market, order.position_side))


def _direction(order: Order) -> int:
    """+1 if the order adds to a long / removes from a short, from the account's view."""
    return 1 if order.side == "BUY" else -1


def _reducible(account: Account, order: Order) -> Decimal:
    """How much of the order's quantity closes existing exposure."""
    pos = _position(account, order)
    if order.position_side == "BOTH":
        return abs(pos.amount) if pos.amount * _direction(order) < 0 else ZERO
    closing = (order.position_side == "LONG") == (order.side == "SELL")
    return pos.amount if closing else ZERO


def _allowed_qty(account: Account, order: Order) -> Decimal:
    """The quantity to execute; reduceOnly/closePosition are clipped to the position (-2022).

    In hedge mode an order against its position side (SELL LONG, BUY SHORT) only closes:
    Binance refuses one larger than the position with -2022 even without reduceOnly
    (ccxt issue #8304), so a doubled close never opens a new position.
    """
    if order.close_position:
        return _reducible(account, order)
    if _is_hedge_close(order) and order.qty > _reducible(account, order):
        raise errors.reduce_only_rejected()
    if not order.reduce_only:
        return order.qty
    reducible = _reducible(account, order)
    if reducible <= 0:
        raise errors.reduce_only_rejected()
    return min(order.qty, reducible)


def _is_hedge_close(order: Order) -> bool:
    """A hedge-mode order that closes its position side (SELL LONG or BUY SHORT)."""
    if order.position_side == "BOTH":
        return False
    return (order.position_side == "LONG") == (order.side == "SELL")


def _opening_qty(account: Account, order: Order, qty: Decimal) -> Decimal:
    return max(qty - _reducible(account, order), ZERO)


def _check_margin(ex: Exchange, account: Account, order: Order, notional: Decimal) -> None:
    if order.reduce_only or notional <= 0:
        return
    needed = notional / leverage(account, order.market) + notional * ex.scenario.futures_taker_fee
    if needed > available(ex, account):
        raise errors.insufficient_margin()


def fill(
    ex: Exchange, account: Account, order: Order, price: Decimal, qty: Decimal, *, maker: bool
) -> None:
    """Apply a fill to the position and wallet: entry price, realised PnL and fee."""
    if qty <= 0:
        return
    pos = _position(account, order)
    closing = min(qty, _reducible(account, order))
    sign = Decimal(-1) if pos.position_side == "SHORT" or pos.amount < 0 else Decimal(1)
    realized = closing * (price - pos.entry_price) * sign
    opening = qty - closing
    if pos.position_side == "BOTH":
        new_amount = pos.amount + qty * _direction(order)
    else:
        new_amount = pos.amount + (opening if opening else -closing)
    if opening:
        base = abs(pos.amount) - closing
        pos.entry_price = (base * pos.entry_price + opening * price) / (base + opening)
    pos.amount = new_amount
    if not pos.amount:
        pos.entry_price = ZERO
    rate = ex.scenario.futures_maker_fee if maker else ex.scenario.futures_taker_fee
    fee = qty * price * rate
    account.wallet["USDT"] = account.wallet.get("USDT", ZERO) + realized - fee
    record_fill(
        account, order, price=price, qty=qty, fee=fee, fee_asset="USDT", maker=maker,
        realized_pnl=realized, trade_id=ex.next_id(),
    )  # fmt: skip


def place_algo(ex: Exchange, account: Account, order: Order) -> Order:
    """Rest a conditional order in the algo book; -2021 if it would trigger at once."""
    if _triggered(order, ex.prices[order.market.symbol]):
        raise errors.BinanceError(400, -2021, "Order would immediately trigger.")
    account.algo[order.order_id] = order
    return order


def _triggered(order: Order, last: Decimal) -> bool:
    rising = (order.side == "BUY") == order.type.startswith("STOP")
    return last >= order.stop_price if rising else last <= order.stop_price


def sweep(ex: Exchange, account: Account, market: MarketSpec) -> None:
    """After a price move: fill crossed limits, fire triggered conditional orders."""
    bid, ask = ex.bid_ask(market)
    for order in account.open_orders(market):
        if (order.side == "BUY" and ask <= order.price) or (
            order.side == "SELL" and bid >= order.price
        ):
            qty = order.qty - order.executed
            if order.reduce_only:
                qty = min(qty, _reducible(account, order))
            fill(ex, account, order, order.price, qty, maker=True)
            finish(account, order, "FILLED")
    for order in account.open_orders(market, algo=True):
        if _triggered(order, ex.prices[market.symbol]):
            _fire(ex, account, order)


def _fire(ex: Exchange, account: Account, order: Order) -> None:
    """A triggered conditional order executes as a market order (sim simplification)."""
    finish(account, order, "FINISHED")
    bid, ask = ex.bid_ask(order.market)
    qty = _reducible(account, order) if order.close_position else order.qty
    if order.reduce_only:
        qty = min(qty, _reducible(account, order))
    fill(ex, account, order, ask if order.side == "BUY" else bid, qty, maker=False)
    order.status = "FINISHED"


def cancel_all(account: Account, market: MarketSpec, *, algo: bool) -> int:
    """DELETE /fapi/v1/allOpenOrders or algoOpenOrders; never an error when empty."""
    open_orders = account.open_orders(market, algo=algo)
    for order in open_orders:
        finish(account, order, "CANCELED")
    return len(open_orders)
