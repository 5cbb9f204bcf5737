"""Public market data: time, exchangeInfo, tickers, depth, avgPrice (spot and USDⓈ-M)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from botguard.sim import errors
from botguard.sim.orders import int_param
from botguard.sim.routes import Call, Endpoint, public
from botguard.sim.scenario import MarketSpec
from botguard.sim.state import Exchange, now_ms
from botguard.sim.views import exchange_info, fmt

Json = dict[str, Any]


def _markets(call: Call, *, swap: bool) -> list[MarketSpec]:
    symbol = call.params.get("symbol")
    if symbol:
        return [call.ex.market(symbol, swap=swap)]
    if "symbols" in call.params:  # spot takes a JSON list: symbols=["BTCUSDT","ETHUSDT"]
        try:
            ids = json.loads(call.params["symbols"])
        except ValueError:
            raise errors.bad_param("symbols") from None
        return [call.ex.market(str(i), swap=swap) for i in ids]
    return list((call.ex.swap_markets if swap else call.ex.spot_markets).values())


def _one_or_all(call: Call, rows: list[Json]) -> Json | list[Json]:
    return rows[0] if call.params.get("symbol") else rows


def ticker_24h(ex: Exchange, m: MarketSpec) -> Json:
    """24hr ticker; the sim has no history, so open = last and volume is nominal.

    Spot tickers carry bid/ask fields and futures tickers do not: ccxt tells the two
    apart by exactly that (and by `time`), so the shapes must not be mixed.
    """
    last = ex.prices[m.symbol]
    now = now_ms()
    row: Json = {
        "symbol": m.market_id, "priceChange": "0", "priceChangePercent": "0",
        "weightedAvgPrice": fmt(last), "lastPrice": fmt(last), "lastQty": fmt(m.step_size),
        "openPrice": fmt(last), "highPrice": fmt(last), "lowPrice": fmt(last),
        "volume": "1000", "quoteVolume": fmt(last * 1000), "openTime": now - 86_400_000,
        "closeTime": now, "firstId": 1, "lastId": 1000, "count": 1000,
    }  # fmt: skip
    if not m.is_swap:
        bid, ask = ex.bid_ask(m)
        row.update(prevClosePrice=fmt(last), bidPrice=fmt(bid), bidQty="10", askPrice=fmt(ask),
                   askQty="10")  # fmt: skip
    return row


def book_ticker(ex: Exchange, m: MarketSpec) -> Json:
    """Best bid/ask; only the futures variant has `time`."""
    bid, ask = ex.bid_ask(m)
    row: Json = {
        "symbol": m.market_id, "bidPrice": fmt(bid), "bidQty": "10", "askPrice": fmt(ask),
        "askQty": "10",
    }  # fmt: skip
    if m.is_swap:
        row["time"] = now_ms()
    return row


def depth(call: Call, *, swap: bool) -> Json:
    """Order book: ten levels a tick apart on each side of the spread."""
    m = call.ex.market(call.params.get("symbol"), swap=swap)
    bid, ask = call.ex.bid_ask(m)
    levels = min(int_param(call.params, "limit", default=10), 100)
    step = m.tick_size
    return {
        "lastUpdateId": now_ms(), "E": now_ms(), "T": now_ms(),
        "bids": [[fmt(bid - i * step), fmt(Decimal(10 + i))] for i in range(levels)],
        "asks": [[fmt(ask + i * step), fmt(Decimal(10 + i))] for i in range(levels)],
    }  # fmt: skip


def premium_index(ex: Exchange, m: MarketSpec) -> Json:
    """Mark price and funding (flat funding in the sim)."""
    price = fmt(ex.prices[m.symbol])
    return {
        "symbol": m.market_id, "markPrice": price, "indexPrice": price,
        "estimatedSettlePrice": price, "lastFundingRate": "0.00010000", "interestRate": "0.0001",
        "nextFundingTime": (now_ms() // 28_800_000 + 1) * 28_800_000, "time": now_ms(),
    }  # fmt: skip


def _price(ex: Exchange, m: MarketSpec) -> Json:
    row: Json = {"symbol": m.market_id, "price": fmt(ex.prices[m.symbol])}
    if m.is_swap:
        row["time"] = now_ms()
    return row


def _avg_price(call: Call) -> Json:
    """GET /api/v3/avgPrice: the 5-minute average; the sim's price has no history."""
    m = call.ex.market(call.params.get("symbol"), swap=False)
    return {"mins": 5, "price": fmt(call.ex.prices[m.symbol]), "closeTime": now_ms()}


def _spot_exchange_info(call: Call) -> Json:
    """GET /api/v3/exchangeInfo, narrowed by `symbol` or `symbols` (-1121 for an unknown one)."""
    info = exchange_info(call.ex, swap=False)
    if call.params.get("symbol") or "symbols" in call.params:
        wanted = {m.market_id for m in _markets(call, swap=False)}
        info["symbols"] = [s for s in info["symbols"] if s["symbol"] in wanted]
    return info


def _for_each(render: Any, *, swap: bool) -> Any:
    return lambda call: _one_or_all(call, [render(call.ex, m) for m in _markets(call, swap=swap)])


ROUTES: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/ping"): public(lambda call: {}),
    ("GET", "/api/v3/time"): public(lambda call: {"serverTime": now_ms()}),
    ("GET", "/api/v3/exchangeInfo"): public(_spot_exchange_info, 20),
    ("GET", "/api/v3/avgPrice"): public(_avg_price, 2),
    ("GET", "/api/v3/ticker/24hr"): public(_for_each(ticker_24h, swap=False), 2, 80),
    ("GET", "/api/v3/ticker/bookTicker"): public(_for_each(book_ticker, swap=False), 2),
    ("GET", "/api/v3/ticker/price"): public(_for_each(_price, swap=False), 2),
    ("GET", "/api/v3/depth"): public(lambda call: depth(call, swap=False), 5),
    ("GET", "/fapi/v1/ping"): public(lambda call: {}),
    ("GET", "/fapi/v1/time"): public(lambda call: {"serverTime": now_ms()}),
    ("GET", "/fapi/v1/exchangeInfo"): public(lambda call: exchange_info(call.ex, swap=True)),
    ("GET", "/fapi/v1/ticker/24hr"): public(_for_each(ticker_24h, swap=True), 1, 40),
    ("GET", "/fapi/v1/ticker/bookTicker"): public(_for_each(book_ticker, swap=True), 2),
    ("GET", "/fapi/v1/ticker/price"): public(_for_each(_price, swap=True), 1),
    ("GET", "/fapi/v2/ticker/price"): public(_for_each(_price, swap=True), 1),
    ("GET", "/fapi/v1/premiumIndex"): public(_for_each(premium_index, swap=True), 1),
    ("GET", "/fapi/v1/depth"): public(lambda call: depth(call, swap=True), 2),
    # binance (not binanceusdm) loads COIN-M markets by default: the sim lists none.
    ("GET", "/dapi/v1/exchangeInfo"): public(
        lambda call: {"timezone": "UTC", "serverTime": now_ms(), "symbols": []}
    ),
    ("GET", "/sapi/v1/system/status"): public(lambda call: {"status": 0, "msg": "normal"}),
}
