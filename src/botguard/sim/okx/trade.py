"""OKX order entry, cancels and closes on the sim's shared books.

The sim keeps one set of books in base units (state.py); this module turns OKX's
requests into those orders (contracts x ctVal for swaps) and the matching into OKX's
per-order `sCode` answers. Swap fills go through the sim's futures matching; spot fills
are matched here, because OKX has a minimum size where Binance has a notional filter.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from botguard.sim import futures
from botguard.sim.dialect_spot import place_spot
from botguard.sim.errors import BinanceError
from botguard.sim.okx import auth
from botguard.sim.okx.wire import (
    OkxError,
    Refusal,
    inst_id,
    lot_size,
    min_size,
    to_base,
)
from botguard.sim.orders import finish, round_step
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import ZERO, Account, Exchange, Order

BATCH_MAX = 20
"""trade/batch-orders and trade/cancel-batch-orders take at most 20 orders a call."""
ALGO_CANCEL_MAX = 10
"""trade/cancel-algos takes at most 10 algo orders a call."""

_ENGINE_CODES = {
    -2010: ("51008", "Order failed. Insufficient USDT balance in account."),
    -2019: ("51008", "Order failed. Insufficient USDT margin in account."),
    -2022: ("51169", "Order failed because you don't have any positions in this direction "
                     "for this contract to reduce or close."),
    -4164: ("51020", "Your order should meet or exceed the minimum order amount."),
    -1013: ("51121", "Order quantity must be a multiple of the lot size."),
    -4061: ("51000", "Parameter posSide error."),
}  # fmt: skip


def refusal(exc: BinanceError | OkxError) -> Refusal:
    """A refusal of the shared matching (Binance-coded) as OKX's sCode and sMsg."""
    if isinstance(exc, OkxError):
        return Refusal(exc.code, exc.msg)
    code, msg = _ENGINE_CODES.get(exc.code, ("51000", f"Parameter error: {exc.msg}"))
    return Refusal(code, msg)


def market_of(ex: Exchange, raw: Any) -> MarketSpec:
    """The market of an `instId`; 51001 if OKX lists no such instrument."""
    if not isinstance(raw, str) or not raw:
        raise OkxError("50014", "Parameter instId can not be empty.")
    for market in ex.scenario.markets:
        if inst_id(market) == raw:
            return market
    raise OkxError("51001", "Instrument ID does not exist.")


def number(raw: Any, name: str, *, required: bool = True) -> Decimal | None:
    """A size or price; 50014 when missing, 51000 when not a positive number."""
    if raw is None or raw == "":
        if required:
            raise OkxError("50014", f"Parameter {name} can not be empty.")
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise OkxError("51000", f"Parameter {name} error.") from None
    if not value.is_finite():
        raise OkxError("51000", f"Parameter {name} error.")
    return value


def flag(raw: Any) -> bool:
    """OKX booleans arrive as JSON true/false or the strings "true"/"false"."""
    return raw is True or (isinstance(raw, str) and raw.lower() == "true")


def _check_size(market: MarketSpec, sz: Decimal) -> None:
    if sz <= 0 or sz % lot_size(market):
        raise OkxError("51121", "Order quantity must be a multiple of the lot size.")
    if sz < min_size(market):
        raise OkxError("51020", "Your order should meet or exceed the minimum order amount.")


def _pos_side(account: Account, market: MarketSpec, raw: Any) -> str:
    """The sim's position side for an OKX `posSide` (net mode: net or absent)."""
    if not market.is_swap:
        return "BOTH"
    side = str(raw or "").lower()
    if account.hedge:
        if side not in ("long", "short"):
            raise OkxError("51000", "Parameter posSide error.")
        return side.upper()
    if side not in ("", "net"):
        raise OkxError("51000", "Parameter posSide error.")
    return "BOTH"


def place(ex: Exchange, account: Account, req: dict[str, Any], *, partial: bool) -> Order:
    """POST trade/order (one entry of batch-orders): validate, then match.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order
    """
    market = market_of(ex, req.get("instId"))
    auth.need_trade(account, swap=market.is_swap)
    side = str(req.get("side", "")).lower()
    if side not in ("buy", "sell"):
        raise OkxError("51000", "Parameter side error.")
    kind = str(req.get("ordType", "")).lower()
    if kind not in ("market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc"):
        raise OkxError("51000", "Parameter ordType error.")
    td_mode = str(req.get("tdMode", ""))
    if td_mode not in (("cross", "isolated") if market.is_swap else ("cash", "cross", "isolated")):
        raise OkxError("51000", "Parameter tdMode error.")
    sz = number(req.get("sz"), "sz")
    assert sz is not None  # noqa: S101 - required
    price = None if kind in ("market", "optimal_limit_ioc") else number(req.get("px"), "px")
    if price is not None and (price <= 0 or price % market.tick_size):
        raise OkxError("51000", "Parameter px error.")
    order = Order(
        order_id=ex.next_id(), client_id=str(req.get("clOrdId") or ""), market=market,
        side=side.upper(), type="MARKET" if price is None else "LIMIT",
        qty=ZERO, price=price or ZERO,
        time_in_force={"fok": "FOK", "ioc": "IOC", "post_only": "GTX"}.get(kind, "GTC"),
        reduce_only=flag(req.get("reduceOnly")),
        position_side=_pos_side(account, market, req.get("posSide")),
    )  # fmt: skip
    if market.is_swap:
        _check_size(market, sz)
        order.qty = to_base(market, sz)
        return futures.place(ex, account, order, partial=partial)
    return _place_spot(ex, account, order, sz, quote=_spot_in_quote(req, kind, side),
                       partial=partial)  # fmt: skip


def _spot_in_quote(req: dict[str, Any], kind: str, side: str) -> bool:
    """A spot market buy is sized in the quote currency unless tgtCcy says base_ccy."""
    if kind != "market":
        return False
    default = "quote_ccy" if side == "buy" else "base_ccy"
    return str(req.get("tgtCcy") or default) == "quote_ccy"


def _place_spot(
    ex: Exchange, account: Account, order: Order, sz: Decimal, *, quote: bool, partial: bool
) -> Order:
    market = order.market
    bid, ask = ex.bid_ask(market)
    touch = ask if order.side == "BUY" else bid
    order.qty = round_step(sz / touch, lot_size(market)) if quote else sz
    _check_size(market, order.qty)
    return place_spot(ex, account, order, lot=lot_size(market), partial=partial)


def find(account: Account, market: MarketSpec, ord_id: Any, cl_ord_id: Any) -> Order | None:
    """A plain order by ordId or clOrdId on one instrument, open or done."""
    for pool in (account.orders, account.done):
        for o in pool.values():
            if o.algo or o.market is not market:
                continue
            if (ord_id and str(o.order_id) == str(ord_id)) or (
                cl_ord_id and o.client_id == str(cl_ord_id)
            ):
                return o
    return None


def cancel(ex: Exchange, account: Account, req: dict[str, Any]) -> Order:
    """One entry of trade/cancel-order or cancel-batch-orders.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-multiple-orders
    """
    market = market_of(ex, req.get("instId"))
    if not req.get("ordId") and not req.get("clOrdId"):
        raise OkxError("51000", "Parameter ordId error.")
    order = find(account, market, req.get("ordId"), req.get("clOrdId"))
    if order is None or not order.is_open:
        raise OkxError(
            "51400", "Order cancellation failed as the order has been filled, canceled or "
            "does not exist.",
        )  # fmt: skip
    finish(account, order, "CANCELED")
    return order


def cancel_algo(ex: Exchange, account: Account, req: dict[str, Any]) -> Order:
    """One entry of trade/cancel-algos (algoId or algoClOrdId, with its instId).

    https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-cancel-algo-order
    """
    market = market_of(ex, req.get("instId"))
    algo_id, client = req.get("algoId"), req.get("algoClOrdId")
    for o in list(account.algo.values()):
        if o.market is market and (
            (algo_id and str(o.order_id) == str(algo_id)) or (client and o.client_id == client)
        ):
            finish(account, o, "CANCELED")
            return o
    raise OkxError("51400", "Cancellation failed as the order does not exist.")


def close_position(
    ex: Exchange, account: Account, req: dict[str, Any], *, partial: bool
) -> dict[str, str]:
    """POST trade/close-position: a market close of one instrument's whole position.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-close-positions
    mgnMode is required (the sim keeps cross positions only); posSide is required in
    long/short mode; pending reduce-only orders make OKX refuse (51115) unless autoCxl.
    """
    market = market_of(ex, req.get("instId"))
    if not market.is_swap:
        raise OkxError("51000", "Parameter instId error.")
    auth.need_trade(account, swap=True)
    mode = req.get("mgnMode")
    if mode not in ("cross", "isolated"):
        raise OkxError("50014", "Parameter mgnMode can not be empty.")
    pos_side = _pos_side(account, market, req.get("posSide"))
    position = account.positions.get((market.market_id, pos_side))
    if position is None or not position.amount or mode != "cross":
        raise OkxError("51023", "Position does not exist.")
    pending = [o for o in account.open_orders(market) if o.reduce_only]
    if pending and not flag(req.get("autoCxl")):
        raise OkxError("51115", "Cancel all pending close-orders before liquidation.")
    for o in pending:
        finish(account, o, "CANCELED")
    long = position.amount > 0 if pos_side == "BOTH" else pos_side == "LONG"
    order = Order(
        order_id=ex.next_id(), client_id=str(req.get("clOrdId") or ""), market=market,
        side="SELL" if long else "BUY", type="MARKET", qty=abs(position.amount),
        reduce_only=pos_side == "BOTH", position_side=pos_side,
    )  # fmt: skip
    futures.place(ex, account, order, partial=partial)
    return {"instId": inst_id(market), "posSide": req.get("posSide") or "net",
            "clOrdId": order.client_id, "tag": ""}  # fmt: skip
