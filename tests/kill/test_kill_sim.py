"""The kill switch against botguard sim over real HTTP (unmodified ccxt binance).

Each test seeds a sim account, runs `botguard.kill` (or the CLI) with a config whose
keys are the canaries, and checks the sim's own state and request log, never what
the kill claims.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.halt import is_halted
from botguard.journal import Journal
from botguard.kill import KillSwitch, kill
from botguard.testing.sim import start_sim

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

SPOT_ORDERS = [
    {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
    {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
    {"symbol": "SOL/USDT", "side": "buy", "type": "limit", "amount": "1", "price": "10"},
]
FUT_ORDERS = [
    {"symbol": "ETH/USDT:USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
    {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.05",
     "trigger_price": "50000", "reduce_only": True},
    {"symbol": "BTC/USDT:USDT", "side": "buy", "type": "take_profit_market", "amount": "0.05",
     "trigger_price": "40000"},
]  # fmt: skip
LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}


def full_account(name: str = "main", **overrides: Any) -> dict[str, Any]:
    return sim_account(
        name,
        spot={"USDT": "10000", "BTC": "0.5", "ETH": "3", "BNB": "2"},
        orders=SPOT_ORDERS + FUT_ORDERS,
        positions=[LONG, SHORT],
        **overrides,
    )


def assert_flat(acct: dict[str, Any], *, keep: dict[str, str] | None = None) -> None:
    """No orders in either book, no positions, only USDT and the kept assets."""
    assert acct["open_orders"] == []
    assert acct["algo_orders"] == []
    assert acct["positions"] == []
    holdings = {a: b["free"] for a, b in acct["spot"].items() if Decimal(b["free"]) > 0}
    assert set(holdings) - {"USDT"} == set(keep or {})
    for asset, amount in (keep or {}).items():
        assert Decimal(holdings[asset]) == Decimal(amount)


def order_calls(log: list[dict[str, Any]]) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in log if e["method"] in ("POST", "DELETE", "PUT")]


async def test_spot_and_futures_end_flat_keeping_kept_assets(tmp_path: Path) -> None:
    async with start_sim({"account": [full_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, keep=["BNB"])])
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert_flat(state, keep={"BNB": "2"})
    assert is_halted(config.state.dir)
    calls = order_calls(log)
    assert "DELETE /fapi/v1/algoOpenOrders" in calls  # the conditional book too
    assert calls.count("DELETE /api/v3/openOrders") == 3  # one per symbol with orders
    with Journal(config.state.dir) as journal:
        (run,) = journal.runs("kill")
    assert run.status == "flat"
    assert run.summary["accounts"]["main"]["closed"] == 2


async def test_spot_only_with_dust(tmp_path: Path) -> None:
    acct = sim_account(
        spot={"USDT": "1000", "BTC": "0.00002", "ETH": "0.5"}, orders=SPOT_ORDERS[:1]
    )
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["spot"])])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    (result,) = report.accounts
    assert result.remaining is not None
    assert [d.asset for d in result.remaining.dust] == ["BTC"]  # 0.00002 BTC < 5 USDT
    assert state["spot"]["BTC"]["free"] == "0.00002"
    assert Decimal(state["spot"]["ETH"]["free"]) == 0
    assert not any("/fapi/" in e["path"] for e in log)  # spot-only: futures never touched
    assert not is_halted(config.state.dir)


@pytest.mark.parametrize("mode", ["one-way", "hedge"])
async def test_futures_only_both_position_modes(tmp_path: Path, mode: str) -> None:
    positions = [LONG, SHORT]
    if mode == "hedge":
        positions.append({**LONG, "side": "short", "amount": "0.02"})
    acct = sim_account(orders=FUT_ORDERS, positions=positions, position_mode=mode)
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(
            tmp_path, [bg_account(sim.url, exchange="binanceusdm", markets=["swap"])]
        )
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert state["positions"] == []
    assert state["algo_orders"] == []
    assert state["open_orders"] == []


async def test_two_accounts_at_once(tmp_path: Path) -> None:
    accounts = [full_account("main"), full_account("alt")]
    async with start_sim({"account": accounts}, latency_ms=20) as sim:
        config = make_config(
            tmp_path,
            [bg_account(sim.url), bg_account(sim.url, "alt",
                                             api_key="env:BOTGUARD_CANARY_API_KEY_ALT")],
        )  # fmt: skip
        report = await kill(config)
        state = sim.state()["accounts"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    for name in ("main", "alt"):
        assert_flat(state[name])
    keys = {e["key"] for e in log if e["method"] == "POST"}
    assert keys == {"main", "alt"}


async def test_partial_fills_are_finished_in_a_later_round(tmp_path: Path) -> None:
    acct = full_account()
    faults = "POST /api/v3/order:n=1:partial,POST /fapi/v1/batchOrders:n=1:partial"
    async with start_sim({"account": [acct]}, faults=faults) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert report.accounts[0].rounds >= 2
    assert_flat(state)
    assert {e["path"] for e in log if e["fault"] == "partial"} == {
        "/api/v3/order",
        "/fapi/v1/batchOrders",  # a close part-filled inside its batch: finished next round
    }


async def test_5xx_resets_and_timeouts_mid_run_still_end_flat_without_doubles(
    tmp_path: Path, short_landing_window: float
) -> None:
    faults = ",".join([
        "DELETE /api/v3/openOrders:n=1:503",
        "POST /fapi/v1/batchOrders:n=1:reset",
        "POST /api/v3/order:n=1:timeout",
        "GET /fapi/v3/positionRisk:n=2:502",
        "DELETE /fapi/v1/algoOpenOrders:n=1:maintenance",
    ])  # fmt: skip
    async with start_sim({"account": [full_account()]}, faults=faults) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], deadline_s=12)
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert_flat(state)
    assert any(e.get("fault") == "timeout" for e in log)
    # the batch of both closes was reset unanswered: each close was looked up, found
    # missing, and sent again by the next round's batch; no order was doubled
    assert [e["fault"] for e in log if e["path"] == "/fapi/v1/batchOrders"] == ["reset", None]
    landed = [e for e in log if e["method"] == "POST" and e["status"] == 200]
    assert [e for e in landed if e["path"] == "/fapi/v1/order"] == []
    lookups = [e for e in log if e["method"] == "GET" and e["path"] == "/fapi/v1/order"]
    assert len(lookups) >= 2


async def test_rate_limited_429_honours_retry_after(tmp_path: Path) -> None:
    sim_cfg = {"limits": {"weight_per_minute": 300}}  # a full read weighs ~190
    async with start_sim({"sim": sim_cfg, "account": [full_account()]}) as sim:
        # the sim's minute ends 1.5 s from now, so Retry-After is short but real
        t0 = time.time()
        base = (int(t0 // 60) + 1) * 60 - 1.5
        sim.server.limiter.clock = lambda: base + (time.time() - t0)
        config = make_config(tmp_path, [bg_account(sim.url)])
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    statuses = [e["status"] for e in log]
    assert 429 in statuses
    assert 418 not in statuses  # never provoked a ban
    assert report.exit_code == 0, report.summary()
    assert_flat(state)


async def test_two_concurrent_runs_do_not_both_trade(tmp_path: Path) -> None:
    async with start_sim({"account": [full_account()]}, latency_ms=10) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        first, second = await asyncio.gather(kill(config), kill(config))
        log = sim.log()
        state = sim.state()["accounts"]["main"]
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert_flat(state)
    sells = [e for e in log if e["method"] == "POST" and e["path"] == "/api/v3/order"]
    assert len(sells) == 3  # BTC, ETH and BNB once each, though two runs were asked


async def test_kill_switch_kept_ready_by_a_bot(tmp_path: Path) -> None:
    async with start_sim({"account": [full_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        async with KillSwitch(config) as ks:
            sim.clear_log()
            report = await ks.trigger("drawdown")
        log = sim.log()
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0
    assert_flat(state)
    assert not any("exchangeInfo" in e["path"] for e in log)  # markets were ready
