"""The kill switch on OKX, against botguard sim's OKX dialect over real HTTP.

Unmodified ccxt.async_support.okx drives the sim; each test checks the sim's own books
(and ccxt's reads where said), never what the kill claims.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from botguard.halt import is_halted
from botguard.journal import Journal
from botguard.kill import kill
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim
from botguard.venues.connect import rebase_urls

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

SPOT_ORDERS = [
    {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
    {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
    {"symbol": "SOL/USDT", "side": "buy", "type": "limit", "amount": "1", "price": "10"},
    {"symbol": "ETH/USDT", "side": "sell", "type": "stop_market", "amount": "0.5",
     "trigger_price": "2000"},  # a spot stop: OKX keeps it in the algo book
]  # fmt: skip
SWAP_ORDERS = [
    {"symbol": "ETH/USDT:USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
    {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.05",
     "trigger_price": "50000", "reduce_only": True},  # conditional
    {"symbol": "BTC/USDT:USDT", "side": "buy", "type": "stop", "amount": "0.05",
     "price": "70100", "trigger_price": "70000"},  # trigger: ccxt's trigger=True sees only this
]  # fmt: skip
LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}


def okx_sim(name: str = "main", **overrides: Any) -> dict[str, Any]:
    """A sim OKX account keyed by the canaries (the passphrase is the password canary)."""
    acct = sim_account(name, exchange="okx", passphrase=CANARIES["BOTGUARD_CANARY_PASSWORD"])
    acct.update(overrides)
    return acct


def okx_bg(url: str, name: str = "main", **overrides: Any) -> dict[str, Any]:
    return bg_account(url, name, exchange="okx", password="env:BOTGUARD_CANARY_PASSWORD",
                      **overrides)  # fmt: skip


def full_okx(name: str = "main", **overrides: Any) -> dict[str, Any]:
    return okx_sim(
        name,
        spot={"USDT": "10000", "BTC": "0.5", "ETH": "3", "BNB": "2"},
        orders=SPOT_ORDERS + SWAP_ORDERS,
        positions=[LONG, SHORT],
        **overrides,
    )


async def ccxt_view(url: str, name: str = "main") -> dict[str, Any]:
    """What ccxt's own reads say about the account: every book, every position, balances."""
    ex = ccxt_async.okx({
        "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"] + ("" if name == "main" else name),
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "password": CANARIES["BOTGUARD_CANARY_PASSWORD"],
        "options": {"fetchMarkets": {"types": ["spot", "swap"]}},
    })  # fmt: skip
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    try:
        algo = []
        for kind in ("conditional,oco", "trigger", "move_order_stop", "iceberg", "twap"):
            algo += (await ex.private_get_trade_orders_algo_pending({"ordType": kind}))["data"]
        balance = await ex.fetch_balance()
        return {
            "orders": await ex.fetch_open_orders(),
            "algo": algo,
            "positions": await ex.fetch_positions(),
            "holdings": {a for a, v in balance["total"].items() if v},
        }
    finally:
        await ex.close()


def assert_flat(view: dict[str, Any], *, keep: set[str] | None = None) -> None:
    assert view["orders"] == []
    assert view["algo"] == []
    assert view["positions"] == []
    assert view["holdings"] - {"USDT"} == (keep or set())


def writes(log: list[dict[str, Any]]) -> list[str]:
    return [e["path"].removeprefix("/api/v5/") for e in log if e["method"] == "POST"]


async def test_spot_and_swaps_end_flat_keeping_kept_assets(tmp_path: Path) -> None:
    async with start_sim({"account": [full_okx()]}) as sim:
        config = make_config(tmp_path, [okx_bg(sim.url, keep=["BNB"])])
        report = await kill(config)
        view = await ccxt_view(sim.url)
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert_flat(view, keep={"BNB"})
    assert is_halted(config.state.dir)
    calls = writes(log)
    assert calls.count("trade/close-position") == 2  # one per instrument, no batch endpoint
    assert "trade/cancel-algos" in calls  # conditional and trigger both found and cancelled
    assert not any(e["unknown"] for e in log)
    with Journal(config.state.dir) as journal:
        (run,) = journal.runs("kill")
    assert run.status == "flat"


async def test_spot_only_with_dust(tmp_path: Path) -> None:
    acct = okx_sim(spot={"USDT": "1000", "BTC": "0.00001", "ETH": "0.5"}, orders=SPOT_ORDERS[:1])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [okx_bg(sim.url, markets=["spot"])])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    (result,) = report.accounts
    assert result.remaining is not None
    assert [d.asset for d in result.remaining.dust] == ["BTC"]  # below OKX's minSz
    assert state["spot"]["BTC"]["free"] == "0.00001"
    assert Decimal(state["spot"]["ETH"]["free"]) == 0
    assert not any("positions" in e["path"] or "SWAP" in e["path"] for e in log)


@pytest.mark.parametrize("mode", ["one-way", "hedge"])
async def test_swaps_only_net_and_long_short_mode(tmp_path: Path, mode: str) -> None:
    positions = [LONG, SHORT]
    if mode == "hedge":  # long/short mode: both sides of one instrument at once
        positions.append({**LONG, "side": "short", "amount": "0.02"})
    orders = SWAP_ORDERS if mode == "one-way" else SWAP_ORDERS[:1]
    acct = okx_sim(orders=orders, positions=positions, position_mode=mode)
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [okx_bg(sim.url, markets=["swap"])])
        report = await kill(config)
        view = await ccxt_view(sim.url)
    assert report.exit_code == 0, report.summary()
    assert view["positions"] == []
    assert view["orders"] == []
    assert view["algo"] == []


async def test_more_than_20_orders_on_one_instrument_are_cancelled_in_batches(
    tmp_path: Path,
) -> None:
    many = [{"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.001",
             "price": str(40000 + i)} for i in range(130)]  # fmt: skip
    stops = [{"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.001",
              "trigger_price": str(50000 + i), "reduce_only": True} for i in range(25)]  # fmt: skip
    acct = okx_sim(spot={"USDT": "10000"}, orders=many + stops, positions=[LONG])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [okx_bg(sim.url)])
        report = await kill(config)
        view = await ccxt_view(sim.url)
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert_flat(view)
    calls = writes(log)
    assert calls.count("trade/cancel-batch-orders") == 7  # 130 orders, 20 a call
    assert calls.count("trade/cancel-algos") == 3  # 25 algo orders, 10 a call
    pages = [e for e in log if e["path"] == "/api/v5/trade/orders-pending"]
    assert len(pages) >= 2  # 130 open orders: a second page was read


async def test_two_accounts_one_okx_one_binance_in_one_kill(tmp_path: Path) -> None:
    binance = sim_account("alt", orders=[SPOT_ORDERS[0]], positions=[LONG],
                          spot={"USDT": "1000", "ETH": "1"})  # fmt: skip
    async with start_sim({"account": [full_okx(), binance]}, latency_ms=10) as sim:
        config = make_config(tmp_path, [
            okx_bg(sim.url),
            bg_account(sim.url, "alt", api_key="env:BOTGUARD_CANARY_API_KEY_ALT"),
        ])  # fmt: skip
        report = await kill(config)
        okx_view = await ccxt_view(sim.url)
        state = sim.state()["accounts"]["alt"]
    assert report.exit_code == 0, report.summary()
    assert_flat(okx_view)
    assert state["open_orders"] == []
    assert state["positions"] == []


async def test_partial_fills_are_finished_in_a_later_round(tmp_path: Path) -> None:
    faults = (
        "POST /api/v5/trade/batch-orders:n=1:partial,POST /api/v5/trade/close-position:n=1:partial"
    )
    async with start_sim({"account": [full_okx()]}, faults=faults) as sim:
        config = make_config(tmp_path, [okx_bg(sim.url)])
        report = await kill(config)
        view = await ccxt_view(sim.url)
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert report.accounts[0].rounds >= 2
    assert_flat(view)
    assert {e["path"] for e in log if e["fault"] == "partial"} == {
        "/api/v5/trade/batch-orders", "/api/v5/trade/close-position"}  # fmt: skip


async def test_5xx_resets_timeouts_and_429_mid_run_still_end_flat_without_doubles(
    tmp_path: Path, short_landing_window: float
) -> None:
    faults = ",".join([
        "POST /api/v5/trade/cancel-batch-orders:n=1:503",
        "POST /api/v5/trade/close-position:n=1:reset",
        "POST /api/v5/trade/batch-orders:n=1:timeout",
        "GET /api/v5/account/positions:n=2:502",
        "POST /api/v5/trade/cancel-algos:n=1:maintenance",
    ])  # fmt: skip
    async with start_sim({"account": [full_okx()]}, faults=faults) as sim:
        # deadline 20 s: each request may take 5 s, so the held batch times out at 5 s
        config = make_config(tmp_path, [okx_bg(sim.url)], deadline_s=20)
        report = await kill(config)
        view = await ccxt_view(sim.url)
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert_flat(view)
    assert any(e.get("fault") == "timeout" for e in log)
    closes = [e for e in log if e["path"] == "/api/v5/trade/close-position"]
    assert [e["fault"] for e in closes].count("reset") == 1
    # the reset close was looked up by its client id before any resend: 2 landed closes
    assert len([e for e in closes if e["status"] == 200 and e["code"] is None]) == 2
    assert any(e["path"] == "/api/v5/trade/order" and e["method"] == "GET" for e in log)


async def test_rate_limited_50011_is_retried_not_fatal(tmp_path: Path) -> None:
    from botguard.sim.okx import serve

    async with start_sim({"account": [full_okx()]}) as sim:
        serve.book(sim.server.ex).limit_scale = 0.2  # positions 2 / 2 s, algo reads 4 / 2 s
        config = make_config(tmp_path, [okx_bg(sim.url)])
        report = await kill(config)
        serve.book(sim.server.ex).limit_scale = 100  # the checking reads are not limited
        view = await ccxt_view(sim.url)
        log = sim.log()
    assert any(e["code"] == "50011" for e in log)
    assert report.exit_code == 0, report.summary()
    assert_flat(view)


def test_botguard_kill_yes_as_a_process_ends_flat_on_okx(tmp_path: Path) -> None:
    from botguard.testing.sim import run_sim
    from tests.cli.process import botguard

    with run_sim({"account": [full_okx()]}, latency_ms=5) as sim:
        config = tmp_path / "botguard.toml"
        config.write_text(
            f"""
[bot]
name = "gridbot"
[state]
dir = "{tmp_path / "state"}"
[[account]]
name = "main"
exchange = "okx"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
password = "env:BOTGUARD_CANARY_PASSWORD"
markets = ["spot", "swap"]
base_url = "{sim.url}"
""",
            encoding="utf-8",
        )
        done = botguard("kill", "--yes", "--config", str(config), cwd=tmp_path)
        view = asyncio.run(ccxt_view(sim.url))
    assert done.returncode == 0, done.stderr
    assert_flat(view)
