"""The Bybit v5 endpoints the sim answers (UTA: spot and USDT perpetuals).

Each handler names the Bybit page it follows. Reads are paged with an opaque `cursor`
(`nextPageCursor`, "" on the last page): open orders 20 a page unless `limit` (max 50),
positions 20 unless `limit` (max 200).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botguard.sim import futures
from botguard.sim.bybit import auth, trade, views
from botguard.sim.bybit.wire import BybitError, Json, category, fmt, instrument, ok
from botguard.sim.dialects import DialectRoute
from botguard.sim.errors import BinanceError
from botguard.sim.orders import finish
from botguard.sim.state import Account, Exchange, Order, now_ms

CANCEL_ALL_DELAY_S = 0.05
"""cancel-all answers "received"; the orders go this long after (Bybit: asynchronously)."""
DCP = "bybit:disconnected-cancel-all"


@dataclass(slots=True)
class BybitBook:
    """Per-sim Bybit state: per-UID, per-endpoint counters of the 1-second windows."""

    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)
    limit_scale: float = 1.0
    clock: Callable[[], float] = time.time

    def charge(self, who: str, path: str, limit: int) -> dict[str, str]:
        """Count a request; the X-Bapi-Limit-* headers, or 10006 past the limit.

        https://bybit-exchange.github.io/docs/v5/rate-limit
        """
        now = self.clock()
        second = int(now)
        if len(self.counts) > 10_000:
            self.counts = {k: v for k, v in self.counts.items() if k[2] == second}
        key = (who, path, second)
        self.counts[key] = used = self.counts.get(key, 0) + 1
        cap = max(1, int(limit * self.limit_scale))
        headers = {"X-Bapi-Limit": str(cap), "X-Bapi-Limit-Status": str(max(cap - used, 0)),
                   "X-Bapi-Limit-Reset-Timestamp": str((second + 1) * 1000)}  # fmt: skip
        if used > cap:
            error = BybitError(10006, "Too many visits!", reason=f"{path}: over {cap}/s")
            error.headers = headers
            raise error
        return headers


@dataclass(slots=True)
class BybitCall:
    """What a handler gets."""

    ex: Exchange
    account: Account | None
    query: Mapping[str, str]
    body: Any
    fault: str | None

    @property
    def me(self) -> Account:
        """The authenticated account (private endpoints only)."""
        assert self.account is not None  # noqa: S101 - the route table marks these private
        return self.account

    @property
    def args(self) -> dict[str, Any]:
        """Query (GET) or JSON body (POST) parameters."""
        return dict(self.body) if isinstance(self.body, dict) and self.body else dict(self.query)


Handler = Callable[[BybitCall], Json]


Route = DialectRoute[BybitCall]
"""One endpoint: handler, private or public, and Bybit's limit per second per UID."""


def _page(
    args: Mapping[str, Any], rows: list[Any], *, default: int, most: int
) -> tuple[list[Any], str]:
    """One page of `rows` and the cursor of the next ("" when this is the last)."""
    raw = str(args.get("limit") or default)
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise BybitError(10001, "params error: limit invalid")
    limit, cursor = int(raw), str(args.get("cursor") or "")
    start = int(cursor.removeprefix("p")) if cursor.startswith("p") and cursor[1:].isdigit() else 0
    page = rows[start : start + limit]
    more = start + limit < len(rows)
    return page, f"p{start + limit}" if more else ""


# ------------------------------------------------------------------ public data
def _time(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/market/time"""
    ms = now_ms()
    return ok({"timeSecond": str(ms // 1000), "timeNano": str(ms * 1_000_000)})


def _instruments(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/market/instrument (PreLaunch: none)."""
    cat = c.query.get("category")
    if cat not in ("spot", "linear", "inverse", "option"):
        raise BybitError(10001, "params error: category invalid")
    listed = (
        []
        if c.query.get("status") == "PreLaunch"
        else [instrument(m) for m in c.ex.scenario.markets if category(m) == cat]
    )
    return ok({"category": cat, "list": listed, "nextPageCursor": ""})


def _tickers(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/market/tickers"""
    cat = c.query.get("category")
    if cat not in ("spot", "linear", "inverse", "option"):
        raise BybitError(10001, "params error: category invalid")
    rows = []
    for m in c.ex.scenario.markets:
        if category(m) != cat or (c.query.get("symbol") and m.market_id != c.query["symbol"]):
            continue
        bid, ask = c.ex.bid_ask(m)
        last = fmt(c.ex.prices[m.symbol])
        rows.append({"symbol": m.market_id, "lastPrice": last, "bid1Price": fmt(bid),
                     "bid1Size": "10", "ask1Price": fmt(ask), "ask1Size": "10",
                     "prevPrice24h": last, "price24hPcnt": "0", "highPrice24h": last,
                     "lowPrice24h": last, "turnover24h": "0", "volume24h": "0",
                     "markPrice": last, "indexPrice": last})  # fmt: skip
    return ok({"category": cat, "list": rows})


# ---------------------------------------------------------------- account, key
def _coins(c: BybitCall) -> Json:
    """GET /v5/asset/coin/query-info: ccxt loads it with markets when keys are set.

    https://bybit-exchange.github.io/docs/v5/asset/coin-info
    """
    coins = sorted({m.base for m in c.ex.scenario.markets} | {"USDT"})
    return ok({"rows": [{
        "name": coin, "coin": coin, "remainAmount": "1000000", "chains": [{
            "chain": coin, "chainType": coin, "confirmation": "1", "withdrawFee": "0.0001",
            "depositMin": "0", "withdrawMin": "0.001", "minAccuracy": "8",
            "chainDeposit": "1", "chainWithdraw": "1", "withdrawPercentageFee": "0",
            "contractAddress": "", "safeConfirmNumber": "1"}],
    } for coin in coins]})  # fmt: skip


def _uid(account: Account) -> int:
    return zlib.crc32(account.spec.name.encode())


def _query_api(c: BybitCall) -> Json:
    """The calling key: readOnly, permissions, bound ips (["*"] if none), expiry.

    https://bybit-exchange.github.io/docs/v5/user/apikey-info
    """
    a = c.me
    p = a.spec.permissions
    ips = list(a.spec.ip_whitelist) or ["*"]
    return ok({
        "id": str(_uid(a)), "note": a.spec.name, "apiKey": a.spec.api_key,
        "readOnly": 0 if (p.spot or p.futures) else 1, "secret": "",
        "permissions": auth.permissions(a), "ips": ips, "type": 1,
        "deadlineDay": -1 if a.spec.ip_whitelist else 83,
        "expiredAt": "" if a.spec.ip_whitelist else "2099-01-01T00:00:00Z",
        "createdAt": "2025-01-01T00:00:00Z", "unified": 0, "uta": 1, "userID": _uid(a),
        "inviterID": 0, "vipLevel": "No VIP", "mktMakerLevel": "0", "affiliateID": 0,
        "rsaPublicKey": "", "isMaster": True, "parentUid": "0", "kycLevel": "LEVEL_1",
        "kycRegion": "",
    })  # fmt: skip


def _account_info(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/account/account-info"""
    return ok({"unifiedMarginStatus": 6, "marginMode": "REGULAR_MARGIN",
               "isMasterTrader": False, "spotHedgingStatus": "OFF",
               "updatedTime": str(now_ms()), "dcpStatus": "OFF", "timeWindow": 10,
               "smpGroup": 0})  # fmt: skip


def _wallet(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/account/wallet-balance (UNIFIED only)."""
    if c.query.get("accountType") != "UNIFIED":
        raise BybitError(10001, "accountType only support UNIFIED.")
    return ok({"list": [views.wallet(c.ex, c.me, futures.used_margin(c.ex, c.me))]})


def _positions(c: BybitCall) -> Json:
    """Linear and inverse need symbol or settleCoin; 20 a page unless `limit` (max 200).
    The sim's own contracts are USDT linear; other settle coins and inverse answer the
    scenario's `held` positions only.

    https://bybit-exchange.github.io/docs/v5/position
    """
    args = c.args
    cat = trade.read_category_of(args)
    if cat not in ("linear", "inverse"):
        raise BybitError(10001, "params error: category only support linear, inverse, option")
    symbol, settle = args.get("symbol"), args.get("settleCoin")
    if not symbol and not settle:
        raise BybitError(
            10001, "Missing some parameters that must be filled in, symbol or settleCoin"
        )
    rows = [
        views.held_position(h) for h in c.me.spec.held
        if h.product.startswith(f"bybit:{cat}:")
        and (h.instrument == symbol if symbol else h.product.endswith(f":{settle}"))
    ]  # fmt: skip
    if cat == "linear" and settle in (None, "USDT") and not rows:  # the sim's own contracts
        market = trade.market_of(c.ex, cat, symbol) if symbol else None
        rows = [
            views.position(c.ex, c.me, p) for p in c.me.positions.values()
            if p.amount and (market is None or p.market is market)
        ]  # fmt: skip
    page, cursor = _page(args, rows, default=20, most=200)
    return ok({"list": page, "nextPageCursor": cursor, "category": cat})


# ------------------------------------------------------------------------ reads
def _selected(c: BybitCall, pools: list[Order], *, scoped: bool = True) -> tuple[str, list[Order]]:
    """Orders matching the read's filters; open-order reads of linear need a scope."""
    args = c.args
    cat = trade.read_category_of(args)
    symbol, base, settle = args.get("symbol"), args.get("baseCoin"), args.get("settleCoin")
    if scoped and cat != "spot" and not (symbol or base or settle):
        raise BybitError(10001, "Missing some parameters that must be filled in, symbol or "
                                "settleCoin or baseCoin")  # fmt: skip
    if cat == "inverse" or settle not in (None, "", "USDT"):
        return cat, []  # the sim holds orders on its USDT contracts and spot only
    market = trade.market_of(c.ex, cat, symbol) if symbol else None
    flt = args.get("orderFilter") or ""
    rows = [
        o for o in pools
        if o.market.is_swap == (cat == "linear") and (market is None or o.market is market)
        and (not base or o.market.base == base)
        and (not flt or (flt == "StopOrder") == views.conditional(o))
        and (not args.get("orderId") or str(o.order_id) == args["orderId"])
        and (not args.get("orderLinkId") or o.client_id == args["orderLinkId"])
    ]  # fmt: skip
    return cat, sorted(rows, key=lambda o: o.order_id, reverse=True)


def _realtime(c: BybitCall) -> Json:
    """Open orders of every kind (plain and conditional: one book); openOnly=1 gives
    recent closed ones, and a lookup by orderId/orderLinkId finds closed ones too.
    https://bybit-exchange.github.io/docs/v5/order/open-order"""
    me = c.me
    by_id = c.args.get("orderId") or c.args.get("orderLinkId")
    if str(c.args.get("openOnly", "0")) == "1":
        pool = list(me.done.values())
    else:
        pool = [o for o in [*me.orders.values(), *me.algo.values()] if o.is_open]
    if by_id:  # by id, the last 500 orders of any status (what ccxt's fetch_order relies on)
        pool = [*pool, *list(me.done.values())[-500:]]
    cat, rows = _selected(c, pool)
    page, cursor = _page(c.args, rows, default=20, most=50)
    return ok({"list": [views.order(me, o) for o in page], "nextPageCursor": cursor,
               "category": cat})  # fmt: skip


def _history(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/order/order-list"""
    me = c.me
    pool = [*me.done.values(), *me.orders.values(), *me.algo.values()]
    cat, rows = _selected(c, pool, scoped=False)
    page, cursor = _page(c.args, rows, default=20, most=50)
    return ok({"list": [views.order(me, o) for o in page], "nextPageCursor": cursor,
               "category": cat})  # fmt: skip


def _executions(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/order/execution"""
    args = c.args
    cat = trade.category_of(args)
    symbol = args.get("symbol")
    start = str(args.get("startTime") or "0")
    since = int(start) if start.isdigit() else 0
    rows = [
        t for t in c.me.trades
        if t.order.market.is_swap == (cat == "linear") and t.time_ms >= since
        and (not symbol or t.order.market.market_id == symbol)
    ]  # fmt: skip
    rows.sort(key=lambda t: t.trade_id, reverse=True)
    page, cursor = _page(args, rows, default=50, most=100)
    return ok({"category": cat, "nextPageCursor": cursor, "list": [{
        "symbol": t.order.market.market_id, "orderId": str(t.order.order_id),
        "orderLinkId": t.order.client_id, "side": t.order.side.capitalize(),
        "orderPrice": fmt(t.order.price), "orderQty": fmt(t.order.qty),
        "leavesQty": fmt(t.order.qty - t.order.executed),
        "orderType": "Market" if t.order.type == "MARKET" else "Limit", "stopOrderType": "",
        "execFee": fmt(t.fee), "execId": str(t.trade_id), "execPrice": fmt(t.price),
        "execQty": fmt(t.qty), "execType": "Trade", "execValue": fmt(t.qty * t.price),
        "execTime": str(t.time_ms), "isMaker": t.maker, "feeRate": "0.0005",
        "markPrice": fmt(t.price), "closedSize": "0", "seq": t.trade_id, "feeCurrency":
        t.fee_asset,
    } for t in page]})  # fmt: skip


# ----------------------------------------------------------------------- trades
def _create(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/order/create-order"""
    if c.fault == "reject":
        raise BybitError(110007, "ab not enough for new order")
    try:
        order = trade.place(c.ex, c.me, c.args, partial=c.fault == "partial")
    except BinanceError as exc:
        raise trade.refusal(exc) from None
    return ok({"orderId": str(order.order_id), "orderLinkId": order.client_id})


def _create_batch(c: BybitCall) -> Json:
    """20 linear / 10 spot a call; each entry answered in retExtInfo.list (code, msg).

    https://bybit-exchange.github.io/docs/v5/order/batch-place
    """
    args = c.args
    cat = trade.category_of(args)
    reqs = args.get("request")
    if not isinstance(reqs, list) or not reqs or not all(isinstance(r, dict) for r in reqs):
        raise BybitError(10001, "params error: request invalid")
    if len(reqs) > trade.BATCH_MAX[cat]:
        raise BybitError(
            10001, f"params error: the number of orders exceeds {trade.BATCH_MAX[cat]}"
        )
    done, codes = [], []
    for req in reqs:
        base = {"category": cat, "symbol": str(req.get("symbol", "")),
                "orderLinkId": str(req.get("orderLinkId") or "")}  # fmt: skip
        try:
            if c.fault == "reject":
                raise BybitError(110007, "ab not enough for new order")
            try:
                order = trade.place(
                    c.ex, c.me, {**req, "category": cat}, partial=c.fault == "partial"
                )
            except BinanceError as exc:
                raise trade.refusal(exc) from None
        except BybitError as exc:
            done.append({**base, "orderId": "", "createAt": ""})
            codes.append({"code": exc.code, "msg": exc.msg})
            continue
        done.append({**base, "orderId": str(order.order_id), "createAt": str(order.created_ms)})
        codes.append({"code": 0, "msg": "OK"})
    return ok({"list": done}, {"list": codes})


def _cancel(c: BybitCall) -> Json:
    """https://bybit-exchange.github.io/docs/v5/order/cancel-order"""
    order = trade.cancel(c.ex, c.me, c.args)
    return ok({"orderId": str(order.order_id), "orderLinkId": order.client_id})


def _cancel_all(c: BybitCall) -> Json:
    """The answer lists what will go and means "received": the orders are cancelled a
    moment later, so a read right after may still show them.

    https://bybit-exchange.github.io/docs/v5/order/cancel-all
    """
    account = c.me
    orders = trade.cancel_all_targets(c.ex, account, c.args)
    asyncio.get_running_loop().call_later(CANCEL_ALL_DELAY_S, _finish_all, account, orders)
    return ok({"list": [{"orderId": str(o.order_id), "orderLinkId": o.client_id} for o in orders],
               "success": "1"})  # fmt: skip


def _finish_all(account: Account, orders: list[Order]) -> None:
    for order in orders:
        if order.is_open:
            finish(account, order, "CANCELED")


def _dcp(c: BybitCall) -> Json:
    """Disconnection protection: `timeWindow` 3-300 s. It fires when the account's
    websocket drops; the sim has no websockets, so it records the setting only.

    https://bybit-exchange.github.io/docs/v5/order/dcp
    """
    raw = str(c.args.get("timeWindow", ""))
    if not raw.isdigit() or not 3 <= int(raw) <= 300:
        raise BybitError(10001, "params error: timeWindow invalid")
    c.me.countdowns.pop(DCP, None)
    handle = asyncio.get_running_loop().call_later(int(raw), lambda: None)
    c.me.countdowns[DCP] = handle
    return ok({})


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/v5/market/time"): Route(_time, private=False, limit=50),
    ("GET", "/v5/market/instruments-info"): Route(_instruments, private=False, limit=50),
    ("GET", "/v5/market/tickers"): Route(_tickers, private=False, limit=50),
    ("GET", "/v5/asset/coin/query-info"): Route(_coins, private=True, limit=5),
    ("GET", "/v5/user/query-api"): Route(_query_api, private=True, limit=10),
    ("GET", "/v5/account/info"): Route(_account_info, private=True, limit=50),
    ("GET", "/v5/account/wallet-balance"): Route(_wallet, private=True, limit=50),
    ("GET", "/v5/position/list"): Route(_positions, private=True, limit=50),
    ("GET", "/v5/order/realtime"): Route(_realtime, private=True, limit=50),
    ("GET", "/v5/order/history"): Route(_history, private=True, limit=50),
    ("GET", "/v5/execution/list"): Route(_executions, private=True, limit=50),
    ("POST", "/v5/order/create"): Route(_create, True, 20, places_order=True),
    ("POST", "/v5/order/create-batch"): Route(_create_batch, True, 20, places_order=True),
    ("POST", "/v5/order/cancel"): Route(_cancel, private=True, limit=20),
    ("POST", "/v5/order/cancel-all"): Route(_cancel_all, private=True, limit=20),
    ("POST", "/v5/order/disconnected-cancel-all"): Route(_dcp, private=True, limit=5),
}
"""Every Bybit (method, path) the sim serves; `limit` is requests per second per UID."""
