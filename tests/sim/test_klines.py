"""Klines as Binance windows them (what freqtrade and ccxt's `since` ask for), through
unmodified ccxt against the sim: `startTime` forward, `endTime` back, limits capped per
market (spot 1000, USDⓈ-M 1500), never a candle that has not opened yet."""

from __future__ import annotations

import time

import aiohttp
import ccxt.async_support as ccxt_async
import pytest

from botguard.testing.sim import start_sim

from .conftest import opened, scenario

MINUTE_MS = 60_000


def now_open_ms() -> int:
    return int(time.time() * 1000) // MINUTE_MS * MINUTE_MS


@pytest.mark.parametrize("symbol", ["BTC/USDT", "BTC/USDT:USDT"])
async def test_since_reads_forward_from_the_first_candle_at_or_after_it(symbol: str) -> None:
    since = now_open_ms() - 30 * MINUTE_MS - 1  # one ms before a candle's open
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        candles = await ex.fetch_ohlcv(symbol, "1m", since=since, limit=5)
        to_now = await ex.fetch_ohlcv(symbol, "1m", since=since, limit=100)
    assert [c[0] for c in candles] == [since + 1 + i * MINUTE_MS for i in range(5)]
    assert to_now[0][0] == since + 1
    assert now_open_ms() - MINUTE_MS <= to_now[-1][0] <= now_open_ms()  # not beyond now
    assert len(to_now) in (31, 32)  # 30 whole minutes back, the open one (and one turn)


async def test_end_time_reads_back_from_it() -> None:
    end = now_open_ms() - 10 * MINUTE_MS + 5
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        candles = await ex.fetch_ohlcv("ETH/USDT", "1m", limit=3, params={"endTime": end})
    assert [c[0] for c in candles] == [end - 5 - i * MINUTE_MS for i in (2, 1, 0)]


@pytest.mark.parametrize(("path", "cap"), [("/api/v3/klines", 1000), ("/fapi/v1/klines", 1500)])
async def test_the_limit_is_capped_per_market(path: str, cap: int) -> None:
    """Raw HTTP: ccxt itself asks for at most 1000."""
    params = {"symbol": "BTCUSDT", "interval": "1m", "limit": "2000"}
    async with (
        start_sim(scenario()) as sim,
        aiohttp.ClientSession() as http,
        http.get(sim.url + path, params=params) as response,
    ):
        candles = await response.json()
    assert len(candles) == cap
    assert len(candles[0]) == 12  # Binance's kline row: open time ... ignore
