"""Rate limits (weight, orders, 429 then 418) and the loopback-only /_sim admin API."""

from __future__ import annotations

import time
from typing import Any

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import DDoSProtection, ExchangeError

from botguard.sim.admin import _is_loopback
from botguard.testing.sim import run_sim, start_sim

from .conftest import LEAN, exchange, opened, scenario

pytestmark = pytest.mark.sim
BTC = "BTC/USDT:USDT"


def freeze(sim: Any) -> None:
    """Pin the limiter to the middle of a minute so a boundary cannot reset the counts."""
    now = (int(time.time()) // 60) * 60 + 30.0
    sim.server.limiter.clock = lambda: now


async def test_weight_headers_then_429_with_retry_after_then_418_ban() -> None:
    limits = {"weight_per_minute": 10, "ban_after_429s": 2}
    async with start_sim(scenario(limits=limits)) as sim:
        freeze(sim)
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            for _ in range(10):
                await ex.fetch_time()
            assert ex.last_response_headers["X-MBX-USED-WEIGHT-1M"] == "10"
            for _ in range(3):  # two 429s are tolerated, the third refusal bans
                with pytest.raises(DDoSProtection):
                    await ex.fetch_time()
            assert "Retry-After" in ex.last_response_headers
            with pytest.raises(DDoSProtection):
                await ex.fetch_time()
        finally:
            await ex.close()
        statuses = [(r["status"], r["code"]) for r in sim.log()[10:]]
    assert statuses == [(429, -1003), (429, -1003), (418, -1003), (418, -1003)]


async def test_order_count_limit_per_ten_seconds() -> None:
    async with (
        start_sim(scenario(limits={"orders_per_10s": 2})) as sim,
        opened(ccxt_async.binanceusdm, sim.url, options=LEAN) as ex,
    ):
        freeze(sim)
        await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        assert ex.last_response_headers["X-MBX-ORDER-COUNT-10S"] == "2"
        with pytest.raises(DDoSProtection):
            await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        await ex.cancel_all_orders(BTC)  # cancels are not orders
    assert sim.log()[-2]["code"] == -1015


async def test_unknown_endpoints_fail_loudly(caplog: pytest.LogCaptureFixture) -> None:
    async with (
        start_sim(scenario()) as sim,
        opened(ccxt_async.binanceusdm, sim.url, options=LEAN) as ex,
    ):
        with pytest.raises(ExchangeError, match="-5000"):
            await ex.fapiPrivateGetAdlQuantile()
    [entry] = [r for r in sim.log() if r["unknown"]]
    assert (entry["path"], entry["status"]) == ("/fapi/v1/adlQuantile", 404)
    assert "unknown endpoint GET /fapi/v1/adlQuantile" in caplog.text


async def test_latency_is_added_to_every_request() -> None:
    async with start_sim(scenario(), latency_ms=40, jitter_ms=5) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            await ex.fetch_time()
        finally:
            await ex.close()
    assert sim.log()[0]["ms"] >= 35


def test_run_sim_in_a_thread_serves_state_log_and_prices() -> None:
    with run_sim(scenario()) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        sim.set_prices({"BTC/USDT": "70000", "BTC/USDT:USDT": 70010.5})
        state = sim.state()
        sim.clear_log()
        assert sim.log() == [] or all(r["path"].startswith("/_sim") for r in sim.log())
    assert state["prices"]["BTC/USDT"] == "70000"
    assert state["prices"]["BTC/USDT:USDT"] == "70010.5"
    assert state["accounts"]["main"]["spot"]["USDT"] == {"free": "50000", "locked": "0"}


def test_run_sim_rejects_unknown_price_symbols() -> None:
    with run_sim(scenario()) as sim:
        with pytest.raises(ValueError, match="unknown market 'NOPE/USDT'"):
            sim.set_prices({"NOPE/USDT": 1})
        with pytest.raises(ValueError, match="price must be a finite decimal > 0"):
            sim.set_prices({"BTC/USDT": "0"})
        with pytest.raises(ValueError, match="price must be a finite decimal > 0"):
            sim.set_prices({"BTC/USDT": -5})


async def test_start_sim_rejects_unknown_price_symbols() -> None:
    async with start_sim(scenario()) as sim:
        with pytest.raises(ValueError, match="unknown market 'NOPE/USDT'"):
            sim.set_prices({"NOPE/USDT": 1})
        with pytest.raises(ValueError, match="price must be a finite decimal > 0"):
            sim.set_prices({"BTC/USDT": "0"})


async def test_admin_state_holds_positions_and_algo_orders() -> None:
    positions = [{"symbol": BTC, "side": "short", "amount": "0.5", "entry_price": "66000"}]
    orders = [{"symbol": BTC, "side": "buy", "type": "take_profit_market", "amount": "0.5",
               "trigger_price": "60000", "reduce_only": True}]  # fmt: skip
    from .conftest import account

    async with start_sim(scenario(account(positions=positions, orders=orders))) as sim:
        sim.set_prices({BTC: 65_000})
        state = sim.state()["accounts"]["main"]
    [position] = state["positions"]
    assert (position["positionAmt"], position["unRealizedProfit"]) == ("-0.5", "500")
    assert [o["orderType"] for o in state["algo_orders"]] == ["TAKE_PROFIT_MARKET"]


@pytest.mark.parametrize(
    ("remote", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("127.8.9.10", True), ("10.0.0.5", False),
     ("192.168.1.2", False), (None, False), ("not-an-ip", False)],
)  # fmt: skip
def test_admin_api_is_loopback_only(remote: str | None, allowed: bool) -> None:
    assert _is_loopback(remote) is allowed


async def test_a_sim_bug_answers_binance_style_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from ccxt.base.errors import OperationFailed

    from botguard.sim.routes import Endpoint

    def broken(call: Any) -> Any:
        raise ZeroDivisionError

    async with start_sim(scenario()) as sim:
        sim.server.routes[("GET", "/fapi/v1/time")] = Endpoint(broken)
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            with pytest.raises(OperationFailed, match="-1000"):
                await ex.fetch_time()
        finally:
            await ex.close()
    assert sim.log()[-1]["reason"] == "sim internal error (see the sim's log)"
    assert "ZeroDivisionError" in caplog.text


def test_sync_ccxt_against_run_sim() -> None:
    import ccxt

    from botguard.venues.connect import rebase_urls

    from .conftest import KEY, SECRET

    with run_sim(scenario()) as sim:
        ex = ccxt.binanceusdm({"apiKey": KEY, "secret": SECRET, "options": LEAN})
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        ex.load_markets()
        ex.create_order(BTC, "market", "sell", 0.05)
        [position] = ex.fetch_positions([BTC])
        account = sim.state()["accounts"]["main"]
    assert position["side"] == "short"
    assert account["positions"][0]["positionAmt"] == "-0.05"
