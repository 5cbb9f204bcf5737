"""The OKX v5 endpoints the sim answers: public data, account, trade, algo trading.

Each handler names the OKX page it follows. Handlers return the whole envelope so the
batch endpoints can answer code "1" (all failed) or "2" (partly failed) with HTTP 200
and an `sCode` per entry, as OKX does.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botguard.sim import futures
from botguard.sim.dialects import DialectRoute
from botguard.sim.errors import BinanceError
from botguard.sim.okx import auth, trade, views
from botguard.sim.okx.book import OkxBook
from botguard.sim.okx.wire import (
    Json,
    OkxError,
    Refusal,
    fmt,
    inst_id,
    inst_type,
    instrument,
    ok,
    to_base,
    to_sz,
)
from botguard.sim.orders import finish
from botguard.sim.state import Account, Exchange, Order, now_ms

PAGE_MAX = 100
"""Reads of orders answer at most 100 a page (`limit`), older ones through `after`."""


@dataclass(slots=True)
class OkxCall:
    """What a handler gets."""

    ex: Exchange
    account: Account | None
    query: Mapping[str, str]
    body: Any
    fault: str | None
    book: OkxBook

    @property
    def me(self) -> Account:
        """The authenticated account (private endpoints only)."""
        assert self.account is not None  # noqa: S101 - the route table marks these private
        return self.account

    def arg(self, name: str) -> Any:
        """A parameter from the query (GET) or the JSON object body (POST)."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return self.query.get(name)

    def entries(self, limit: int) -> list[dict[str, Any]]:
        """The JSON array body of a batch call; 50025 past `limit` entries."""
        body = self.body if isinstance(self.body, list) else [self.body] if self.body else []
        if not body or not all(isinstance(e, dict) for e in body):
            raise OkxError("50014", "Parameter body can not be empty.")
        if len(body) > limit:
            raise OkxError("50025", f"Parameter orders count exceeds the limit {limit}.")
        return body


Handler = Callable[[OkxCall], Json]


Route = DialectRoute[OkxCall]
"""One endpoint: handler, private or public, and OKX's limit per 2 s."""


# ------------------------------------------------------------------ public data
def _time(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time"""
    return ok([{"ts": str(now_ms())}])


def _instruments(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments"""
    kind = c.query.get("instType")
    if kind not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
        raise OkxError("50014", "Parameter instType can not be empty.")
    wanted = {"SPOT": False, "SWAP": True}.get(kind)
    if wanted is None:  # MARGIN, FUTURES and OPTION are not modelled: none listed
        return ok([])
    return ok([instrument(m) for m in c.ex.scenario.markets if m.is_swap is wanted])


def _ticker_row(c: OkxCall, market: Any) -> Json:
    bid, ask = c.ex.bid_ask(market)
    last = c.ex.prices[market.symbol]
    return {
        "instType": inst_type(market), "instId": inst_id(market), "last": fmt(last),
        "lastSz": "1", "askPx": fmt(ask), "askSz": "10", "bidPx": fmt(bid), "bidSz": "10",
        "open24h": fmt(last), "high24h": fmt(last), "low24h": fmt(last), "volCcy24h": "0",
        "vol24h": "0", "sodUtc0": fmt(last), "sodUtc8": fmt(last), "ts": str(now_ms()),
    }  # fmt: skip


def _tickers(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers"""
    kind = c.query.get("instType")
    if kind not in ("SPOT", "SWAP", "FUTURES", "OPTION"):
        raise OkxError("50014", "Parameter instType can not be empty.")
    return ok([_ticker_row(c, m) for m in c.ex.scenario.markets if inst_type(m) == kind])


def _ticker(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-ticker"""
    return ok([_ticker_row(c, trade.market_of(c.ex, c.query.get("instId")))])


def _currencies(c: OkxCall) -> Json:
    """GET asset/currencies: ccxt calls it from load_markets whenever keys are set.

    https://www.okx.com/docs-v5/en/#funding-account-rest-api-get-currencies
    """
    coins = sorted({m.base for m in c.ex.scenario.markets} | {"USDT"})
    return ok([{
        "ccy": ccy, "name": ccy, "chain": f"{ccy}-{ccy}", "mainNet": True, "canDep": True,
        "canWd": True, "canInternal": True, "minDep": "0.00000001", "minWd": "0.0001",
        "maxWd": "10000000", "wdTickSz": "8", "wdQuota": "10000000", "usedWdQuota": "0",
        "minFee": "0.0001", "maxFee": "0.001", "fee": "0.0001", "minInternal": "0.0001",
        "needTag": False, "minDepArrivalConfirm": "1", "minWdUnlockConfirm": "1",
        "logoLink": "", "ctAddr": "", "burningFeeRate": "", "depEstOpenTime": "",
        "wdEstOpenTime": "", "depQuotaFixed": "", "usedDepQuotaFixed": "",
    } for ccy in coins])  # fmt: skip


# ---------------------------------------------------------------------- account
def _balance(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance"""
    return ok([views.balance(c.ex, c.me, futures.used_margin(c.ex, c.me))])


def _positions(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions

    Without instType every type is answered (MARGIN, SWAP, FUTURES, OPTION); the
    scenario's `held` positions stand for the types the sim lists no market for."""
    kind = c.query.get("instType")
    if kind not in (None, "", "SWAP", "MARGIN", "FUTURES", "OPTION"):
        raise OkxError("51000", "Parameter instType error.")
    ids = set(filter(None, (c.query.get("instId") or "").split(",")))
    rows = [
        views.position(c.ex, c.me, p)
        for p in c.me.positions.values()
        if p.amount and kind in (None, "", "SWAP") and (not ids or inst_id(p.market) in ids)
    ]
    rows += [
        views.held_position(h) for h in c.me.spec.held
        if h.product.startswith("okx:") and kind in (None, "", h.product[4:])
        and (not ids or h.instrument in ids)
    ]  # fmt: skip
    return ok(rows)


def _config(c: OkxCall) -> Json:
    """GET account/config: the key's `perm` and bound `ip`, which the audit reads.

    https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration
    """
    a = c.me
    return ok([{
        "uid": _uid(a), "mainUid": _uid(a),
        "acctLv": "2", "acctStpMode": "cancel_maker",
        "posMode": "long_short_mode" if a.hedge else "net_mode", "autoLoan": False,
        "greeksType": "PA", "level": "Lv1", "levelTmp": "", "ctIsoMode": "automatic",
        "mgnIsoMode": "automatic", "roleType": "0", "traderInsts": [], "spotRoleType": "0",
        "spotTraderInsts": [], "opAuth": "0", "kycLv": "2", "label": a.spec.name,
        "ip": ",".join(a.spec.ip_whitelist), "perm": auth.perm(a), "liquidationGear": "-1",
        "enableSpotBorrow": False, "spotBorrowAutoRepay": False, "type": "0",
        "settleCcy": "USDT", "settleCcyList": ["USD", "USDC", "USDT"],
    }])  # fmt: skip


def _uid(account: Account) -> str:
    """A stable numeric user id per account name."""
    return str(zlib.crc32(account.spec.name.encode()))


# ------------------------------------------------------------------------ reads
def _page(c: OkxCall, orders: list[Order]) -> list[Order]:
    """Newest first; `after` = an id: only older ones; at most `limit` (100) rows."""
    raw_limit = c.query.get("limit") or str(PAGE_MAX)
    if not raw_limit.isdigit():
        raise OkxError("51000", "Parameter limit error.")
    limit = min(max(int(raw_limit), 1), PAGE_MAX)
    after = c.query.get("after")
    rows = sorted(orders, key=lambda o: o.order_id, reverse=True)
    if after:
        rows = [o for o in rows if str(o.order_id).isdigit() and o.order_id < int(after or 0)]
    return rows[:limit]


def _filtered(c: OkxCall, orders: list[Order]) -> list[Order]:
    kind, inst = c.query.get("instType"), c.query.get("instId")
    return [
        o for o in orders
        if (not kind or inst_type(o.market) == kind) and (not inst or inst_id(o.market) == inst)
    ]  # fmt: skip


PLAIN_KINDS = ("market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc")


def _pending(c: OkxCall) -> Json:
    """Plain orders only; `ordType` filters by a plain type (an algo type is an error).

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-list
    """
    kind = c.query.get("ordType")
    if kind and kind not in PLAIN_KINDS:
        raise OkxError("51000", "Parameter ordType error.")
    orders = _filtered(c, [o for o in c.me.orders.values() if o.is_open])
    if kind:
        orders = [o for o in orders if views.order(c.me, o)["ordType"] == kind]
    return ok([views.order(c.me, o) for o in _page(c, orders)])


def _algo_pending(c: OkxCall) -> Json:
    """orders-algo-pending: `ordType` is required; only conditional and oco combine.

    https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-list
    """
    raw = c.query.get("ordType")
    if not raw:
        raise OkxError("50014", "Parameter ordType can not be empty.")
    kinds = set(raw.split(","))
    if not kinds <= set(views.ALGO_KINDS) or (len(kinds) > 1 and kinds - {"conditional", "oco"}):
        raise OkxError("51000", "Parameter ordType error.")
    orders = [
        o for o in _filtered(c, list(c.me.algo.values()))
        if views.algo_kind(o, c.book.kinds) in kinds
    ]  # fmt: skip
    return ok([views.algo(c.me, o, c.book.kinds) for o in _page(c, orders)])


def _order(c: OkxCall) -> Json:
    """GET trade/order by ordId or clOrdId; 51603 if there is none.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details
    """
    market = trade.market_of(c.ex, c.query.get("instId"))
    ord_id, client = c.query.get("ordId"), c.query.get("clOrdId")
    if not ord_id and not client:
        raise OkxError("50014", "Parameter ordId can not be empty.")
    found = trade.find(c.me, market, ord_id, client)
    if found is None:
        raise OkxError("51603", "Order does not exist.")
    return ok([views.order(c.me, found)])


def _fills(c: OkxCall) -> Json:
    """trade/fills (3 days) and trade/fills-history (3 months): the account's fills.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days
    """
    kind, inst = c.query.get("instType"), c.query.get("instId")
    begin = int(c.query.get("begin") or 0) if (c.query.get("begin") or "0").isdigit() else 0
    rows = [
        t for t in c.me.trades
        if (not kind or inst_type(t.order.market) == kind)
        and (not inst or inst_id(t.order.market) == inst) and t.time_ms >= begin
    ]  # fmt: skip
    rows.sort(key=lambda t: t.trade_id, reverse=True)
    return ok([{
        "instType": inst_type(t.order.market), "instId": inst_id(t.order.market),
        "tradeId": str(t.trade_id), "ordId": str(t.order.order_id), "clOrdId": t.order.client_id,
        "billId": str(t.trade_id), "tag": "", "fillPx": fmt(t.price),
        "fillSz": fmt(to_sz(t.order.market, t.qty)), "side": t.order.side.lower(),
        "posSide": "net" if t.order.market.is_swap else "", "execType": "M" if t.maker else "T",
        "feeCcy": t.fee_asset, "fee": fmt(-t.fee), "ts": str(t.time_ms),
        "fillTime": str(t.time_ms),
    } for t in rows[:PAGE_MAX]])  # fmt: skip


# ----------------------------------------------------------------------- trades
def _entry(fn: Callable[[], Order], req: dict[str, Any]) -> tuple[Json, bool]:
    """Run one order of a batch; its answer entry and whether it succeeded."""
    base = {"clOrdId": str(req.get("clOrdId") or ""), "tag": str(req.get("tag") or ""),
            "ts": str(now_ms())}  # fmt: skip
    try:
        order = fn()
    except (OkxError, BinanceError) as exc:
        refused = trade.refusal(exc)
        return {**base, "ordId": "", "sCode": refused.code, "sMsg": refused.msg}, False
    return {**base, "ordId": str(order.order_id), "sCode": "0",
            "sMsg": "Order placed" if order.executed or order.is_open else ""}, True  # fmt: skip


def _batch_answer(entries: list[tuple[Json, bool]]) -> Json:
    """Code "0" all done, "1" all failed, "2" some failed; HTTP 200 either way."""
    done = sum(1 for _, good in entries if good)
    data = [e for e, _ in entries]
    if done == len(entries):
        return ok(data)
    if done == 0:
        return {"code": "1", "msg": "All operations failed", "data": data}
    return {"code": "2", "msg": "Bulk operation partially succeeded", "data": data}


def _reject(c: OkxCall) -> None:
    if c.fault == "reject":
        raise OkxError("51008", "Order failed. Simulated rejection.")


def _place_one(c: OkxCall, req: dict[str, Any]) -> Order:
    _reject(c)
    return trade.place(c.ex, c.me, req, partial=c.fault == "partial")


def _post_order(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order"""
    req = c.body if isinstance(c.body, dict) else {}
    answer = _batch_answer([_entry(lambda: _place_one(c, req), req)])
    if answer["code"] == "1":
        answer["msg"] = ""  # a single order's refusal: code 1 and the entry's sCode
    return answer


def _batch_orders(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-multiple-orders"""
    reqs = c.entries(trade.BATCH_MAX)
    return _batch_answer([_entry(lambda r=r: _place_one(c, r), r) for r in reqs])  # type: ignore[misc]


def _cancel_entry(c: OkxCall, req: dict[str, Any], *, algo: bool) -> tuple[Json, bool]:
    try:
        order = (trade.cancel_algo if algo else trade.cancel)(c.ex, c.me, req)
    except OkxError as exc:
        ids = (
            {"algoId": str(req.get("algoId") or "")}
            if algo
            else {"ordId": str(req.get("ordId") or ""), "clOrdId": str(req.get("clOrdId") or "")}
        )
        return {**ids, "sCode": exc.code, "sMsg": exc.msg}, False
    ids = (
        {"algoId": str(order.order_id), "algoClOrdId": order.client_id}
        if algo
        else {"ordId": str(order.order_id), "clOrdId": order.client_id}
    )
    return {**ids, "sCode": "0", "sMsg": ""}, True


def _cancel_order(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-order"""
    req = c.body if isinstance(c.body, dict) else {}
    return _batch_answer([_cancel_entry(c, req, algo=False)])


def _cancel_batch(c: OkxCall) -> Json:
    """At most 20 a call, each naming its instrument; no cancel-all for spot or swaps.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-multiple-orders
    """
    return _batch_answer([_cancel_entry(c, r, algo=False) for r in c.entries(trade.BATCH_MAX)])


def _cancel_algos(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-cancel-algo-order"""
    reqs = c.entries(trade.ALGO_CANCEL_MAX)
    return _batch_answer([_cancel_entry(c, r, algo=True) for r in reqs])


def _order_algo(c: OkxCall) -> Json:
    """POST trade/order-algo: conditional (TP or SL) and trigger orders.

    https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order
    """
    req = c.body if isinstance(c.body, dict) else {}
    market = trade.market_of(c.ex, req.get("instId"))
    auth.need_trade(c.me, swap=market.is_swap)
    kind = str(req.get("ordType", ""))
    if kind not in ("conditional", "trigger"):
        raise OkxError("51000", "Parameter ordType error.")
    stop = req.get("slTriggerPx") not in (None, "")
    trigger_raw = (
        req.get("triggerPx")
        if kind == "trigger"
        else (req.get("slTriggerPx") if stop else req.get("tpTriggerPx"))
    )
    trigger_px = trade.number(trigger_raw, "triggerPx")
    limit_raw = (
        req.get("orderPx") if kind == "trigger" else req.get("slOrdPx" if stop else "tpOrdPx")
    )
    limit_px = trade.number(limit_raw, "orderPx", required=False)
    sz = trade.number(req.get("sz"), "sz", required=not flag_close(req))
    side = str(req.get("side", "")).upper()
    if side not in ("BUY", "SELL"):
        raise OkxError("51000", "Parameter side error.")
    market_px = limit_px is None or limit_px < 0
    order = Order(
        order_id=c.ex.next_id(), client_id=str(req.get("algoClOrdId") or ""), market=market,
        side=side, type=("STOP" if stop or kind == "trigger" else "TAKE_PROFIT")
        + ("_MARKET" if market_px else ""),
        qty=to_base(market, sz) if sz else to_base(market, 0), price=0 if market_px else limit_px,  # type: ignore[arg-type]
        stop_price=trigger_px or 0, reduce_only=trade.flag(req.get("reduceOnly")),  # type: ignore[arg-type]
        close_position=flag_close(req), algo=True,
        position_side="BOTH" if not market.is_swap or not c.me.hedge
        else str(req.get("posSide", "long")).upper(),
    )  # fmt: skip
    c.me.algo[order.order_id] = order
    c.book.kinds[order.order_id] = kind
    return ok([{"algoId": str(order.order_id), "algoClOrdId": order.client_id, "clOrdId": "",
                "tag": "", "sCode": "0", "sMsg": ""}])  # fmt: skip


def flag_close(req: dict[str, Any]) -> bool:
    """closeFraction=1: the algo order closes the whole position when it fires."""
    return str(req.get("closeFraction") or "") == "1"


def _close_position(c: OkxCall) -> Json:
    """https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-close-positions"""
    _reject(c)
    req = c.body if isinstance(c.body, dict) else {}
    try:
        return ok([trade.close_position(c.ex, c.me, req, partial=c.fault == "partial")])
    except BinanceError as exc:
        refused: Refusal = trade.refusal(exc)
        raise OkxError(refused.code, refused.msg) from None


def _cancel_all_after(c: OkxCall) -> Json:
    """Dead man's switch: 0 disarms, 10-120 s arms; on expiry every plain order goes.

    https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-all-after
    """
    value = c.arg("timeOut")
    raw = "" if value is None else str(value)
    if not raw.isdigit() or (int(raw) != 0 and not 10 <= int(raw) <= 120):
        raise OkxError("51000", "Parameter timeOut error.")
    seconds = int(raw)
    old = c.me.countdowns.pop(COUNTDOWN, None)
    if old is not None:
        old.cancel()
    trigger = 0
    if seconds:
        loop = asyncio.get_running_loop()
        c.me.countdowns[COUNTDOWN] = loop.call_later(seconds, _fire_cancel_all, c.me)
        trigger = now_ms() + seconds * 1000
    return ok([{"triggerTime": str(trigger) if trigger else "0", "tag": "", "ts": str(now_ms())}])


COUNTDOWN = "okx:cancel-all-after"
"""The account's countdown slot (the server cancels every countdown on shutdown)."""


def _fire_cancel_all(account: Account) -> None:
    account.countdowns.pop(COUNTDOWN, None)
    for order in list(account.orders.values()):
        finish(account, order, "CANCELED")


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/api/v5/public/time"): Route(_time, private=False, limit=10),
    ("GET", "/api/v5/public/instruments"): Route(_instruments, private=False, limit=20),
    ("GET", "/api/v5/market/tickers"): Route(_tickers, private=False, limit=20),
    ("GET", "/api/v5/market/ticker"): Route(_ticker, private=False, limit=20),
    ("GET", "/api/v5/asset/currencies"): Route(_currencies, private=True, limit=6),
    ("GET", "/api/v5/account/balance"): Route(_balance, private=True, limit=10),
    ("GET", "/api/v5/account/positions"): Route(_positions, private=True, limit=10),
    ("GET", "/api/v5/account/config"): Route(_config, private=True, limit=5),
    ("GET", "/api/v5/trade/orders-pending"): Route(_pending, private=True, limit=60),
    ("GET", "/api/v5/trade/orders-algo-pending"): Route(_algo_pending, private=True, limit=20),
    ("GET", "/api/v5/trade/order"): Route(_order, private=True, limit=60),
    ("GET", "/api/v5/trade/fills"): Route(_fills, private=True, limit=60),
    ("GET", "/api/v5/trade/fills-history"): Route(_fills, private=True, limit=10),
    ("POST", "/api/v5/trade/order"): Route(_post_order, True, 60, places_order=True),
    ("POST", "/api/v5/trade/batch-orders"): Route(_batch_orders, True, 300, places_order=True),
    ("POST", "/api/v5/trade/order-algo"): Route(_order_algo, True, 20, places_order=True),
    ("POST", "/api/v5/trade/cancel-order"): Route(_cancel_order, private=True, limit=60),
    ("POST", "/api/v5/trade/cancel-batch-orders"): Route(_cancel_batch, private=True, limit=300),
    ("POST", "/api/v5/trade/cancel-algos"): Route(_cancel_algos, private=True, limit=20),
    ("POST", "/api/v5/trade/close-position"): Route(_close_position, True, 20, places_order=True),
    ("POST", "/api/v5/trade/cancel-all-after"): Route(_cancel_all_after, private=True, limit=2),
}
"""Every OKX (method, path) the sim serves; `limit` is OKX's requests per 2 s."""
