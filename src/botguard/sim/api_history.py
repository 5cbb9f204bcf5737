"""History and fee reads ccxt's unified methods make: all orders, klines, income, fees.

The sim keeps no market history, so klines are flat candles at the current price and
public trade lists are empty; account history (orders, fills, income, withdrawals) is real.
"""

from __future__ import annotations

from typing import Any

from botguard.sim import errors
from botguard.sim.auth import Permission
from botguard.sim.orders import int_param
from botguard.sim.routes import Call, Endpoint, public, signed
from botguard.sim.state import Order, now_ms
from botguard.sim.views import algo_order, fmt, futures_order, spot_order

Json = dict[str, Any]
_INTERVALS_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000,
                 "4h": 14_400_000, "1d": 86_400_000}  # fmt: skip


def _klines(call: Call, *, swap: bool) -> list[list[Any]]:
    market = call.ex.market(call.params.get("symbol"), swap=swap)
    step = _INTERVALS_MS.get(call.params.get("interval", ""), 0)
    if not step:
        raise errors.BinanceError(400, -1120, "Invalid interval.")
    limit = min(int_param(call.params, "limit", default=500), 1500 if swap else 1000)
    price = fmt(call.ex.prices[market.symbol])
    return [
        [t, price, price, price, price, "0", t + step - 1, "0", 0, "0", "0", "0"]
        for t in _kline_opens(call, step, limit)
    ]


def _kline_opens(call: Call, step: int, limit: int) -> range:
    """Open times as Binance picks them: from the first at or after `startTime`, else the
    last `limit` up to `endTime` (or now); never a candle that has not opened yet."""
    last = now_ms() // step * step
    end = int_param(call.params, "endTime", default=-1)
    if end >= 0:
        last = min(last, end // step * step)
    start = int_param(call.params, "startTime", default=-1)
    if start >= 0:
        first = -(-start // step) * step
        return range(first, min(last, first + (limit - 1) * step) + 1, step)
    return range(max(0, last - (limit - 1) * step), last + 1, step)


def _orders_of(call: Call, *, swap: bool, algo: bool) -> list[Order]:
    market = call.ex.market(call.params.get("symbol"), swap=swap)
    book = call.me.algo if algo else call.me.orders
    everything = [*book.values(), *(o for o in call.me.done.values() if o.algo == algo)]
    return sorted((o for o in everything if o.market is market), key=lambda o: o.order_id)


def _income(call: Call) -> list[Json]:
    rows: list[Json] = []
    for t in call.me.trades:
        if not t.order.market.is_swap:
            continue
        base = {"symbol": t.order.market.market_id, "asset": "USDT", "time": t.time_ms,
                "tradeId": str(t.trade_id), "info": ""}  # fmt: skip
        if t.realized_pnl:
            rows.append({**base, "incomeType": "REALIZED_PNL", "income": fmt(t.realized_pnl),
                         "tranId": t.trade_id * 10})  # fmt: skip
        rows.append({**base, "incomeType": "COMMISSION", "income": fmt(-t.fee),
                     "tranId": t.trade_id * 10 + 1})  # fmt: skip
    symbol = call.params.get("symbol")
    kind = call.params.get("incomeType")
    return [r for r in rows if (not symbol or r["symbol"] == symbol)
            and (not kind or r["incomeType"] == kind)]  # fmt: skip


def _withdraw_history(call: Call) -> list[Json]:
    return [
        {"id": w["id"], "amount": w["amount"], "transactionFee": "0", "coin": w["coin"],
         "status": 6, "address": w["address"], "txId": "", "applyTime": w["time"],
         "network": w["network"], "transferType": 0}
        for w in call.me.withdrawals
    ]  # fmt: skip


def _trade_fee(call: Call) -> list[Json]:
    symbol = call.params.get("symbol")
    markets = [call.ex.market(symbol, swap=False)] if symbol else call.ex.spot_markets.values()
    rate = fmt(call.ex.scenario.spot_fee)
    return [{"symbol": m.market_id, "makerCommission": rate, "takerCommission": rate}
            for m in markets]  # fmt: skip


def _commission_rate(call: Call) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    return {"symbol": market.market_id,
            "makerCommissionRate": fmt(call.ex.scenario.futures_maker_fee),
            "takerCommissionRate": fmt(call.ex.scenario.futures_taker_fee)}  # fmt: skip


def _open_interest(call: Call) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    total = sum(
        (abs(p.amount) for a in call.ex.accounts.values() for p in a.positions.values()
         if p.market is market),
        start=call.ex.prices[market.symbol] * 0,
    )  # fmt: skip
    return {"symbol": market.market_id, "openInterest": fmt(total), "time": now_ms()}


def _margin_type(call: Call) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    wanted = call.params.get("marginType", "").upper()
    if wanted not in ("ISOLATED", "CROSSED"):
        raise errors.missing("marginType")
    if call.me.margin_type.get(market.market_id, "CROSSED") == wanted:
        raise errors.BinanceError(400, -4046, "No need to change margin type.")
    call.me.margin_type[market.market_id] = wanted
    return {"code": 200, "msg": "success"}


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/klines"): public(lambda c: _klines(c, swap=False), 2),
    ("GET", "/fapi/v1/klines"): public(lambda c: _klines(c, swap=True), 5),
    ("GET", "/api/v3/aggTrades"): public(lambda c: [], 4),
    ("GET", "/fapi/v1/aggTrades"): public(lambda c: [], 20),
    ("GET", "/fapi/v1/openInterest"): public(_open_interest, 1),
    ("GET", "/fapi/v1/allOrders"): signed(
        lambda c: [futures_order(o) for o in _orders_of(c, swap=True, algo=False)], 5
    ),
    ("GET", "/fapi/v1/allAlgoOrders"): signed(
        lambda c: [algo_order(o) for o in _orders_of(c, swap=True, algo=True)], 5
    ),
    ("GET", "/api/v3/allOrders"): signed(
        lambda c: [spot_order(o) for o in _orders_of(c, swap=False, algo=False)], 20
    ),
    ("GET", "/fapi/v1/income"): signed(_income, 30),
    ("GET", "/fapi/v1/commissionRate"): signed(_commission_rate, 20),
    ("GET", "/sapi/v1/asset/tradeFee"): signed(_trade_fee, 1),
    ("GET", "/sapi/v1/capital/withdraw/history"): signed(_withdraw_history, 1),
    ("GET", "/sapi/v1/capital/deposit/hisrec"): signed(lambda c: [], 1),
    ("POST", "/fapi/v1/marginType"): signed(_margin_type, 1, Permission.FUTURES),
}
