"""Signed USDⓈ-M endpoints under /fapi: account, positions, orders (placed, modified,
queried), the algo book, countdown, account modes."""

from __future__ import annotations

import json
from typing import Any

from botguard.sim import errors, futures
from botguard.sim.auth import Permission
from botguard.sim.orders import (
    check_filters,
    decimal_param,
    find_order,
    finish,
    int_param,
    side_param,
)
from botguard.sim.routes import Call, Endpoint, signed
from botguard.sim.state import ZERO, Account, now_ms
from botguard.sim.views import (
    algo_order,
    fmt,
    futures_account,
    futures_order,
    position_risk,
)

Json = dict[str, Any]
FUTURES = Permission.FUTURES
DONE = {"code": 200, "msg": "The operation of cancel all open order is done."}
MAX_BATCH = 5


def _market_or_none(call: Call) -> Any:
    symbol = call.params.get("symbol")
    return call.ex.market(symbol, swap=True) if symbol else None


def _account(call: Call) -> Json:
    return futures_account(call.ex, call.me, used_margin=futures.used_margin(call.ex, call.me))


def _balance(call: Call) -> list[Json]:
    return [
        {"accountAlias": "sim", "asset": a["asset"], "balance": a["walletBalance"],
         "crossWalletBalance": a["crossWalletBalance"], "crossUnPnl": a["crossUnPnl"],
         "availableBalance": a["availableBalance"], "maxWithdrawAmount": a["maxWithdrawAmount"],
         "marginAvailable": True, "updateTime": a["updateTime"]}
        for a in _account(call)["assets"]
    ]  # fmt: skip


def _positions(call: Call) -> list[Json]:
    market = _market_or_none(call)
    return [
        position_risk(call.ex, call.me, p)
        for p in call.me.positions.values()
        if p.amount and (market is None or p.market is market)
    ]


def _positions_v2(call: Call) -> list[Json]:
    rows = _positions(call)
    for row in rows:
        lev = call.me.leverage.get(row["symbol"], futures.DEFAULT_LEVERAGE)
        row.update(leverage=str(lev), marginType="cross", isAutoAddMargin="false",
                   maxNotionalValue="1000000")  # fmt: skip
    return rows


def _open_orders(call: Call, *, algo: bool) -> list[Json]:
    render = algo_order if algo else futures_order
    orders = call.me.open_orders(_market_or_none(call), algo=algo)
    return [render(o) for o in orders if o.market.is_swap]


RESP_TYPES = ("ACK", "RESULT")


def _resp_type(call: Call) -> str:
    """newOrderRespType: ACK unless RESULT is asked for, as on Binance; -1136 otherwise."""
    given = (call.params.get("newOrderRespType") or "ACK").upper()
    if given not in RESP_TYPES:
        raise errors.BinanceError(400, -1136, "Invalid newOrderRespType.")
    return given


def _place(call: Call) -> Json:
    resp = _resp_type(call)
    if call.fault == "reject":
        raise errors.BinanceError(400, -2010, "Order was rejected: simulated fault.")
    order = futures.build_order(call.ex, call.me, call.params, algo=False)
    accepted = futures_order(order)  # ACK: the order as accepted, before it is matched
    placed = futures.place(call.ex, call.me, order, partial=call.fault == "partial")
    return accepted if resp == "ACK" else futures_order(placed)


def _open_order(call: Call) -> Json:
    """GET /fapi/v1/openOrder: one working order; -2013 once it is filled or cancelled."""
    market = call.ex.market(call.params.get("symbol"), swap=True)
    order = find_order(call.me, call.params, algo=False)
    if not order.is_open or order.market is not market:
        raise errors.no_such_order()
    return futures_order(order)


def _modify(call: Call) -> Json:
    """PUT /fapi/v1/order: a resting LIMIT order's price and quantity, in place.

    As Binance documents it: a new quantity or price that fails a filter is refused and
    the order stays as it was; a quantity at or below what has filled cancels it; a GTX
    order whose new price would take is cancelled; a new price that crosses trades.
    """
    market = call.ex.market(call.params.get("symbol"), swap=True)
    side = side_param(call.params)
    qty = decimal_param(call.params, "quantity", required=True) or ZERO
    price = decimal_param(call.params, "price", required=True) or ZERO
    try:
        order = find_order(call.me, call.params, algo=False)
    except errors.BinanceError:
        raise errors.unknown_order() from None
    if not order.is_open or order.market is not market:
        raise errors.unknown_order()
    if order.type != "LIMIT" or side != order.side:
        raise errors.BinanceError(400, -1102, "Only LIMIT orders of the same side can be modified.")
    check_filters(market, qty, price)
    bid, ask = call.ex.bid_ask(market)
    takes = price >= ask if side == "BUY" else price <= bid
    if qty <= order.executed or (takes and order.time_in_force == "GTX"):
        finish(call.me, order, "CANCELED")
        return futures_order(order)
    order.qty, order.price, order.updated_ms = qty, price, now_ms()
    if takes:
        futures.sweep(call.ex, call.me, market)
    return futures_order(order)


def _place_algo(call: Call) -> Json:
    if call.params.get("algoType", "").upper() != "CONDITIONAL":
        raise errors.missing("algoType")
    order = futures.build_order(call.ex, call.me, call.params, algo=True)
    return algo_order(futures.place_algo(call.ex, call.me, order))


def _batch(call: Call) -> list[Json]:
    """Up to 5 orders; the answer is one entry per order, in order: the order, or its error.

    As on Binance, a refused order does not fail the request: its entry is {code, msg}
    and the others still trade. A `reject` fault refuses the batch's first order only,
    and `partial` part-fills it, so tests can see one order of a batch go wrong.
    """
    raw = call.params.get("batchOrders")
    if not raw:
        raise errors.missing("batchOrders")
    try:
        batch = json.loads(raw)
    except ValueError:
        raise errors.bad_param("batchOrders") from None
    if not isinstance(batch, list) or not 0 < len(batch) <= MAX_BATCH:
        raise errors.BinanceError(400, -1130, "Data sent for parameter 'batchOrders' is not valid.")
    return [_batch_entry(call, item, first=i == 0) for i, item in enumerate(batch)]


def _batch_entry(call: Call, item: Any, *, first: bool) -> Json:
    """One order of a batch: placed, or the error Binance would have answered for it alone."""
    try:
        if not isinstance(item, dict):
            raise errors.BinanceError(
                400, -1130, "Data sent for parameter 'batchOrders' is not valid."
            )
        if first and call.fault == "reject":
            raise errors.BinanceError(400, -2010, "Order was rejected: simulated fault.")
        params = {
            str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in item.items()
        }
        order = futures.build_order(call.ex, call.me, params, algo=False)
        partial = first and call.fault == "partial"
        return futures_order(futures.place(call.ex, call.me, order, partial=partial))
    except errors.BinanceError as exc:
        return exc.body()


def _cancel(call: Call, *, algo: bool) -> Json:
    if not algo:  # the algo endpoints identify the order by algoId alone
        call.ex.market(call.params.get("symbol"), swap=True)
    try:
        order = find_order(call.me, call.params, algo=algo)
    except errors.BinanceError:
        raise errors.unknown_order() from None
    if not order.is_open:
        raise errors.unknown_order()
    finish(call.me, order, "CANCELED")
    if algo:
        return {"algoId": order.order_id, "clientAlgoId": order.client_id, "code": "200",
                "msg": "success"}  # fmt: skip
    return futures_order(order)


def _cancel_batch(call: Call) -> list[Json]:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    raw = call.params.get("orderIdList") or call.params.get("orderidlist") or "[]"
    try:
        ids = [int(i) for i in json.loads(raw)]
    except (ValueError, TypeError):
        raise errors.bad_param("orderIdList") from None
    results: list[Json] = []
    for order_id in ids:
        order = call.me.orders.get(order_id)
        if order is None or order.market is not market:
            results.append(errors.unknown_order().body())
            continue
        finish(call.me, order, "CANCELED")
        results.append(futures_order(order))
    return results


def _cancel_all(call: Call, *, algo: bool) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    futures.cancel_all(call.me, market, algo=algo)
    return DONE


def _get_order(call: Call, *, algo: bool) -> Json:
    order = find_order(call.me, call.params, algo=algo)
    return algo_order(order) if algo else futures_order(order)


def _user_trades(call: Call) -> list[Json]:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    limit = int_param(call.params, "limit", default=500)
    trades = [t for t in call.me.trades if t.order.market is market][-limit:]
    return [
        {"buyer": t.order.side == "BUY", "commission": fmt(t.fee), "commissionAsset": "USDT",
         "id": t.trade_id, "maker": t.maker, "orderId": t.order.order_id, "price": fmt(t.price),
         "qty": fmt(t.qty), "quoteQty": fmt(t.price * t.qty), "realizedPnl": fmt(t.realized_pnl),
         "side": t.order.side, "positionSide": t.order.position_side,
         "symbol": market.market_id, "time": t.time_ms}
        for t in trades
    ]  # fmt: skip


def _brackets(call: Call) -> list[Json]:
    market = _market_or_none(call)
    markets = [market] if market else list(call.ex.swap_markets.values())
    bracket = {"bracket": 1, "initialLeverage": 125, "notionalCap": 50_000_000,
               "notionalFloor": 0, "maintMarginRatio": 0.004, "cum": 0.0}  # fmt: skip
    return [{"symbol": m.market_id, "brackets": [bracket]} for m in markets]


def _symbol_config(call: Call) -> list[Json]:
    market = _market_or_none(call)
    markets = [market] if market else list(call.ex.swap_markets.values())
    return [
        {"symbol": m.market_id, "marginType": call.me.margin_type.get(m.market_id, "CROSSED"),
         "isAutoAddMargin": False,
         "leverage": futures.leverage(call.me, m), "maxNotionalValue": "1000000"}
        for m in markets
    ]  # fmt: skip


def _set_leverage(call: Call) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    lev = int_param(call.params, "leverage", default=0)
    if not 1 <= lev <= 125:
        raise errors.BinanceError(400, -4028, f"Leverage {lev} is not valid")
    call.me.leverage[market.market_id] = lev
    return {"leverage": lev, "maxNotionalValue": "1000000", "symbol": market.market_id}


def _set_dual(call: Call) -> Json:
    want = call.params.get("dualSidePosition", "").lower() == "true"
    if want == call.me.hedge:
        raise errors.BinanceError(400, -4059, "No need to change position side.")
    if any(p.amount for p in call.me.positions.values()) or call.me.open_orders(None):
        raise errors.BinanceError(
            400, -4068, "Position side cannot be changed if there exists position."
        )
    call.me.hedge = want
    call.me.positions.clear()
    return {"code": 200, "msg": "success"}


def _countdown(call: Call) -> Json:
    market = call.ex.market(call.params.get("symbol"), swap=True)
    countdown_ms = int_param(call.params, "countdownTime", default=0)
    account = call.me
    old = account.countdowns.pop(market.market_id, None)
    if old is not None:
        old.cancel()
    if countdown_ms > 0:
        account.countdowns[market.market_id] = call.loop.call_later(
            countdown_ms / 1000, _lapse, account, market.market_id
        )
    return {"symbol": market.market_id, "countdownTime": str(countdown_ms)}


def _lapse(account: Account, market_id: str) -> None:
    """The dead man's switch fired: cancel every open order on the symbol, both books."""
    account.countdowns.pop(market_id, None)
    for book in (account.orders, account.algo):
        for order in list(book.values()):
            if order.market.is_swap and order.market.market_id == market_id:
                finish(account, order, "CANCELED")
                order.updated_ms = now_ms()


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/fapi/v3/account"): signed(_account, 5),
    ("GET", "/fapi/v2/account"): signed(_account, 5),
    ("GET", "/fapi/v3/balance"): signed(_balance, 5),
    ("GET", "/fapi/v2/balance"): signed(_balance, 5),
    ("GET", "/fapi/v3/positionRisk"): signed(_positions, 5),
    ("GET", "/fapi/v2/positionRisk"): signed(_positions_v2, 5),
    ("GET", "/fapi/v1/openOrders"): signed(lambda c: _open_orders(c, algo=False), 1, weight_all=40),
    ("GET", "/fapi/v1/openAlgoOrders"): signed(
        lambda c: _open_orders(c, algo=True), 1, weight_all=40
    ),
    ("GET", "/fapi/v1/order"): signed(lambda c: _get_order(c, algo=False), 1),
    ("GET", "/fapi/v1/algoOrder"): signed(lambda c: _get_order(c, algo=True), 1),
    ("GET", "/fapi/v1/userTrades"): signed(_user_trades, 5),
    ("GET", "/fapi/v1/leverageBracket"): signed(_brackets, 1),
    ("GET", "/fapi/v1/symbolConfig"): signed(_symbol_config, 5),
    ("GET", "/fapi/v1/positionSide/dual"): signed(lambda c: {"dualSidePosition": c.me.hedge}, 30),
    ("POST", "/fapi/v1/order"): signed(_place, 1, FUTURES, places_order=True),
    ("PUT", "/fapi/v1/order"): signed(_modify, 1, FUTURES, places_order=True),
    ("GET", "/fapi/v1/openOrder"): signed(_open_order, 1),
    ("GET", "/fapi/v1/multiAssetsMargin"): signed(
        lambda c: {"multiAssetsMargin": False}, 30
    ),  # single-asset mode: the sim margins in USDT only
    ("POST", "/fapi/v1/algoOrder"): signed(_place_algo, 1, FUTURES, places_order=True),
    ("POST", "/fapi/v1/batchOrders"): signed(_batch, 5, FUTURES, places_order=True),
    ("DELETE", "/fapi/v1/order"): signed(lambda c: _cancel(c, algo=False), 1, FUTURES),
    ("DELETE", "/fapi/v1/algoOrder"): signed(lambda c: _cancel(c, algo=True), 1, FUTURES),
    ("DELETE", "/fapi/v1/batchOrders"): signed(_cancel_batch, 1, FUTURES),
    ("DELETE", "/fapi/v1/allOpenOrders"): signed(lambda c: _cancel_all(c, algo=False), 1, FUTURES),
    ("DELETE", "/fapi/v1/algoOpenOrders"): signed(lambda c: _cancel_all(c, algo=True), 1, FUTURES),
    ("POST", "/fapi/v1/leverage"): signed(_set_leverage, 1, FUTURES),
    ("POST", "/fapi/v1/positionSide/dual"): signed(_set_dual, 1, FUTURES),
    ("POST", "/fapi/v1/countdownCancelAll"): signed(_countdown, 10, FUTURES),
}
