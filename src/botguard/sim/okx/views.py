"""OKX JSON shapes of the sim's orders, algo orders, positions and balances.

Field lists follow OKX's pages (named on each function); sizes are contracts for swaps.
"""

from __future__ import annotations

from decimal import Decimal

from botguard.sim.okx.wire import Json, ct_val, fmt, inst_id, inst_type, to_sz
from botguard.sim.scenario import HeldSpec
from botguard.sim.state import ZERO, Account, Exchange, Order, Position

_STATES = {
    "NEW": "live", "PARTIALLY_FILLED": "partially_filled", "FILLED": "filled",
    "CANCELED": "canceled", "EXPIRED": "canceled", "FINISHED": "effective",
}  # fmt: skip

ALGO_KINDS = ("conditional", "oco", "trigger", "move_order_stop", "iceberg", "twap")
"""Every `ordType` of OKX's algo book (orders-algo-pending)."""


def algo_kind(order: Order, kinds: dict[int, str]) -> str:
    """The algo `ordType` of an order: as placed, or from a seeded order's type."""
    if order.order_id in kinds:
        return kinds[order.order_id]
    if order.type.startswith("TRAILING"):
        return "move_order_stop"
    if order.type in ("STOP", "TAKE_PROFIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
        return "trigger"
    return "conditional"


def _pos_side(account: Account, order: Order) -> str:
    if not order.market.is_swap:
        return ""
    return "net" if order.position_side == "BOTH" else order.position_side.lower()


def _ord_type(order: Order) -> str:
    if order.type == "MARKET":
        return "market"
    if order.type == "LIMIT_MAKER" or order.time_in_force == "GTX":
        return "post_only"
    return {"IOC": "ioc", "FOK": "fok"}.get(order.time_in_force, "limit")


def order(account: Account, o: Order) -> Json:
    """One order of trade/orders-pending or trade/order.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
    """
    fees = sum((t.fee for t in account.trades if t.order is o), ZERO)
    fee_ccy = next((t.fee_asset for t in account.trades if t.order is o), o.market.quote)
    return {
        "instType": inst_type(o.market), "instId": inst_id(o.market), "ordId": str(o.order_id),
        "clOrdId": o.client_id, "tag": "", "px": fmt(o.price) if o.price else "",
        "sz": fmt(to_sz(o.market, o.qty)), "ordType": _ord_type(o), "side": o.side.lower(),
        "posSide": _pos_side(account, o), "tdMode": "cross" if o.market.is_swap else "cash",
        "accFillSz": fmt(to_sz(o.market, o.executed)), "fillSz": fmt(to_sz(o.market, o.executed)),
        "avgPx": fmt(o.avg_price) if o.executed else "", "state": _STATES.get(o.status, "live"),
        "reduceOnly": "true" if o.reduce_only else "false", "lever": "",
        "fee": fmt(-fees), "feeCcy": fee_ccy, "tgtCcy": "", "category": "normal",
        "cTime": str(o.created_ms), "uTime": str(o.updated_ms), "fillTime": "",
        "attachAlgoOrds": [], "tpTriggerPx": "", "slTriggerPx": "",
    }  # fmt: skip


def algo(account: Account, o: Order, kinds: dict[int, str]) -> Json:
    """One order of trade/orders-algo-pending.

    https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-list
    """
    kind = algo_kind(o, kinds)
    stop = o.type.startswith("STOP")
    limit_px = fmt(o.price) if o.price else "-1"
    trigger = fmt(o.stop_price)
    row: Json = {
        "instType": inst_type(o.market), "instId": inst_id(o.market), "algoId": str(o.order_id),
        "algoClOrdId": o.client_id, "clOrdId": "", "ordId": "", "ordType": kind,
        "side": o.side.lower(), "posSide": _pos_side(account, o),
        "tdMode": "cross" if o.market.is_swap else "cash",
        "sz": fmt(to_sz(o.market, o.qty)) if o.qty else "",
        "closeFraction": "1" if o.close_position else "",
        "state": "live", "reduceOnly": "true" if o.reduce_only else "false",
        "triggerPx": "", "ordPx": "", "slTriggerPx": "", "slOrdPx": "", "tpTriggerPx": "",
        "tpOrdPx": "", "moveTriggerPx": "", "callbackRatio": "", "callbackSpread": "",
        "cTime": str(o.created_ms), "uTime": str(o.updated_ms), "lever": "", "tag": "",
    }  # fmt: skip
    if kind == "conditional":
        row["slTriggerPx" if stop else "tpTriggerPx"] = trigger
        row["slOrdPx" if stop else "tpOrdPx"] = limit_px
    elif kind == "move_order_stop":
        row["moveTriggerPx"] = trigger
        row["callbackSpread"] = "1"
    else:
        row["triggerPx"], row["ordPx"] = trigger, limit_px
    return row


def unrealized(ex: Exchange, p: Position) -> Decimal:
    """Unrealised PnL at the current price (mark = last in the sim)."""
    signed = -p.amount if p.position_side == "SHORT" else p.amount
    return signed * (ex.prices[p.market.symbol] - p.entry_price)


def position(ex: Exchange, account: Account, p: Position) -> Json:
    """One entry of account/positions (cross margin; net or long/short mode).

    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions
    """
    mark = ex.prices[p.market.symbol]
    lever = account.leverage.get(p.market.market_id, 10)
    notional = abs(p.amount) * mark
    upl = unrealized(ex, p)
    side = "net" if p.position_side == "BOTH" else p.position_side.lower()
    return {
        "instType": "SWAP", "instId": inst_id(p.market), "posId": p.market.market_id,
        "posSide": side, "pos": fmt(to_sz(p.market, p.amount)), "posCcy": "", "ccy": "USDT",
        "availPos": fmt(to_sz(p.market, abs(p.amount))), "avgPx": fmt(p.entry_price),
        "markPx": fmt(mark), "last": fmt(mark), "upl": fmt(upl), "lever": str(lever),
        "uplRatio": fmt(upl / (notional / lever)) if notional else "0", "mgnMode": "cross",
        "imr": fmt(notional / lever), "mmr": fmt(notional * Decimal("0.004")), "margin": "",
        "notionalUsd": fmt(notional), "liqPx": "", "adl": "1", "ctVal": fmt(ct_val(p.market)),
        "cTime": str(p.updated_ms), "uTime": str(p.updated_ms), "realizedPnl": "0",
    }  # fmt: skip


def held_position(h: HeldSpec) -> Json:
    """A position in a product the sim does not trade (dated FUTURES, MARGIN), as
    account/positions lists it: `pos` signed in net mode, no mark price the sim knows.

    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions
    """
    size = h.amount if h.side == "long" else -h.amount
    return {
        "instType": h.product.removeprefix("okx:"), "instId": h.instrument,
        "posId": h.instrument, "posSide": "net", "pos": fmt(size), "posCcy": "",
        "ccy": "USDT", "availPos": fmt(h.amount), "avgPx": "", "markPx": "", "last": "",
        "upl": "0", "lever": "10", "uplRatio": "0", "mgnMode": "cross", "imr": "", "mmr": "",
        "margin": "", "notionalUsd": "", "liqPx": "", "adl": "1", "ctVal": "",
        "cTime": "0", "uTime": "0", "realizedPnl": "0",
    }  # fmt: skip


def balance(ex: Exchange, account: Account, margin_used: Decimal) -> Json:
    """The single entry of account/balance: one unified trading account.

    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance
    USDT is the spot USDT plus the derivatives wallet plus uPnL: OKX's unified account
    keeps one USDT balance for both (the sim's books keep them apart internally).
    """
    upl = sum((unrealized(ex, p) for p in account.positions.values()), ZERO)
    details = []
    assets = set(account.spot) | ({"USDT"} if account.wallet else set())
    for ccy in sorted(assets):
        bal = account.balance(ccy)
        eq, avail, frozen = bal.free + bal.locked, bal.free, bal.locked
        if ccy == "USDT":
            wallet = account.wallet.get("USDT", ZERO)
            eq += wallet + upl
            avail += wallet + upl - margin_used
            frozen += margin_used
        if eq == 0 and frozen == 0:
            continue
        details.append({
            "ccy": ccy, "eq": fmt(eq), "cashBal": fmt(eq - (upl if ccy == "USDT" else ZERO)),
            "availBal": fmt(max(avail, ZERO)), "availEq": fmt(max(avail, ZERO)),
            "frozenBal": fmt(frozen), "ordFrozen": fmt(bal.locked),
            "upl": fmt(upl if ccy == "USDT" else ZERO), "eqUsd": fmt(eq * _usd(ex, ccy)),
            "uTime": str(account_time(account)),
        })  # fmt: skip
    total = sum((Decimal(d["eqUsd"]) for d in details), ZERO)
    return {"totalEq": fmt(total), "uTime": str(account_time(account)), "details": details}


def _usd(ex: Exchange, ccy: str) -> Decimal:
    if ccy in ("USDT", "USDC", "USD"):
        return Decimal(1)
    return ex.prices.get(f"{ccy}/USDT", ZERO)


def account_time(account: Account) -> int:
    """The latest change on the account (its last trade), for `uTime`."""
    return account.trades[-1].time_ms if account.trades else 0
