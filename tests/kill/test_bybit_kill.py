"""The kill switch on Bybit, against botguard sim's Bybit dialect over real HTTP.

Unmodified ccxt.async_support.bybit drives the sim; each test checks ccxt's own reads
of the sim (every page, both categories) and the sim's log, never what the kill claims.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from botguard.halt import is_halted
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
     "trigger_price": "2000"},  # a spot stop: cancel-all leaves it unless orderFilter=StopOrder
]  # fmt: skip
PERP_ORDERS = [
    {"symbol": "ETH/USDT:USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
    {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.05",
     "trigger_price": "50000", "reduce_only": True},
    {"symbol": "BTC/USDT:USDT", "side": "buy", "type": "take_profit_market", "amount": "0.05",
     "trigger_price": "40000"},
]  # fmt: skip
LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}


def bybit_sim(name: str = "main", **overrides: Any) -> dict[str, Any]:
    acct = sim_account(name, exchange="bybit")
    acct.update(overrides)
    return acct


def bybit_bg(url: str, name: str = "main", **overrides: Any) -> dict[str, Any]:
    return bg_account(url, name, exchange="bybit", **overrides)


def full_bybit(name: str = "main", **overrides: Any) -> dict[str, Any]:
    return bybit_sim(
        name,
        spot={"USDT": "10000", "BTC": "0.5", "ETH": "3", "BNB": "2"},
        orders=SPOT_ORDERS + PERP_ORDERS,
        positions=[LONG, SHORT],
        **overrides,
    )


async def ccxt_view(url: str, name: str = "main") -> dict[str, Any]:
    """ccxt's own reads: every open order page of both categories, positions, balances."""
    ex = ccxt_async.bybit({
        "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"] + ("" if name == "main" else name),
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "options": {"fetchMarkets": {"types": ["spot", "linear"]}},
    })  # fmt: skip
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    try:
        orders = []
        for kind in ({"type": "spot"}, {"type": "swap", "subType": "linear"}):
            orders += await ex.fetch_open_orders(None, None, 50, {**kind, "paginate": True})
        balance = await ex.fetch_balance()
        return {
            "orders": orders,
            "positions": await ex.fetch_positions(),
            "holdings": {a for a, v in balance["total"].items() if v},
        }
    finally:
        await ex.close()


def assert_flat(view: dict[str, Any], *, keep: set[str] | None = None) -> None:
    assert view["orders"] == []
    assert view["positions"] == []
    assert view["holdings"] - {"USDT"} == (keep or set())


def writes(log: list[dict[str, Any]]) -> list[str]:
    return [e["path"].removeprefix("/v5/") for e in log if e["method"] == "POST"]


async def test_spot_and_perps_end_flat_keeping_kept_assets(tmp_path: Path) -> None:
    async with start_sim({"account": [full_bybit()]}) as sim:
        config = make_config(tmp_path, [bybit_bg(sim.url, keep=["BNB"])])
        report = await kill(config)
        log = sim.log()  # the kill's requests only
        view = await ccxt_view(sim.url)
    assert report.exit_code == 0, report.summary()
    assert_flat(view, keep={"BNB"})
    assert is_halted(config.state.dir)
    calls = writes(log)
    # one call per category (spot twice: plain and StopOrder), not one per symbol
    assert calls.count("order/cancel-all") == 3
    assert not any(e["unknown"] for e in log)
    assert not any(e["path"] in ("/v5/user/query-api", "/v5/account/info") for e in log)


async def test_spot_only_with_dust(tmp_path: Path) -> None:
    acct = bybit_sim(spot={"USDT": "1000", "BTC": "0.00001", "ETH": "0.5"},
                     orders=SPOT_ORDERS[:1])  # fmt: skip
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bybit_bg(sim.url, markets=["spot"])])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    (result,) = report.accounts
    assert result.remaining is not None
    assert [d.asset for d in result.remaining.dust] == ["BTC"]  # under minOrderQty
    assert state["spot"]["BTC"]["free"] == "0.00001"
    assert Decimal(state["spot"]["ETH"]["free"]) == 0
    assert not any("linear" in str(e) for e in log if e["path"] == "/v5/order/realtime")


@pytest.mark.parametrize("mode", ["one-way", "hedge"])
async def test_perps_only_one_way_and_hedge_mode(tmp_path: Path, mode: str) -> None:
    positions = [LONG, SHORT]
    if mode == "hedge":
        positions.append({**LONG, "side": "short", "amount": "0.02"})
    orders = PERP_ORDERS if mode == "one-way" else PERP_ORDERS[:1]
    acct = bybit_sim(orders=orders, positions=positions, position_mode=mode)
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bybit_bg(sim.url, markets=["swap"])])
        report = await kill(config)
        view = await ccxt_view(sim.url)
    assert report.exit_code == 0, report.summary()
    assert view["positions"] == []
    assert view["orders"] == []


async def test_more_orders_than_a_page_are_all_seen_and_cancelled(tmp_path: Path) -> None:
    many = [{"symbol": "BTC/USDT:USDT", "side": "buy", "type": "limit", "amount": "0.001",
             "price": str(40000 + i)} for i in range(70)]  # fmt: skip
    acct = bybit_sim(orders=many, positions=[LONG])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bybit_bg(sim.url, markets=["swap"])])
        report = await kill(config, dry_run=True)
        (result,) = report.accounts
        assert result.plan is not None
        planned = sum(c.count for c in result.plan.cancels)
        report = await kill(config)
        view = await ccxt_view(sim.url)
    assert planned == 70  # 20 a page by default: a kill reading one page would see 20
    assert report.exit_code == 0, report.summary()
    assert_flat(view)


async def test_partial_fills_are_finished_in_a_later_round(tmp_path: Path) -> None:
    faults = "POST /v5/order/create:n=1:partial,POST /v5/order/create-batch:n=1:partial"
    async with start_sim({"account": [full_bybit()]}, faults=faults) as sim:
        config = make_config(tmp_path, [bybit_bg(sim.url)])
        report = await kill(config)
        log = sim.log()  # the kill's requests only
        view = await ccxt_view(sim.url)
    assert report.exit_code == 0, report.summary()
    assert report.accounts[0].rounds >= 2
    assert_flat(view)
    assert {e["path"] for e in log if e["fault"] == "partial"} == {
        "/v5/order/create", "/v5/order/create-batch"}  # fmt: skip


async def test_5xx_resets_timeouts_mid_run_still_end_flat_without_doubles(
    tmp_path: Path, short_landing_window: float
) -> None:
    faults = ",".join([
        "POST /v5/order/cancel-all:n=1:503",
        "POST /v5/order/create-batch:n=1:reset",
        "POST /v5/order/create:n=1:timeout",
        "GET /v5/position/list:n=2:502",
        "POST /v5/order/cancel-all:n=2:500",
    ])  # fmt: skip
    async with start_sim({"account": [full_bybit()]}, faults=faults) as sim:
        # deadline 20 s: each request may take 5 s, so the held create times out at 5 s
        config = make_config(tmp_path, [bybit_bg(sim.url)], deadline_s=20)
        report = await kill(config)
        log = sim.log()  # the kill's requests only
        view = await ccxt_view(sim.url)
    assert report.exit_code == 0, report.summary()
    assert_flat(view)
    assert any(e.get("fault") == "timeout" for e in log)
    # the reset batch of both closes: looked up by orderLinkId, never resent in its round;
    # the next round re-reads the positions and sends what is still open as a new batch
    assert [e["fault"] for e in log if e["path"] == "/v5/order/create-batch"] == ["reset", None]
    landed = [e for e in log if e["path"] == "/v5/order/create" and e["status"] == 200
              and e["fault"] is None and e["code"] is None]  # fmt: skip
    assert len(landed) == 3  # the three spot sells (BTC, ETH, BNB); closes go by batch
    assert any(e["path"] == "/v5/order/history" for e in log)


async def test_rate_limited_10006_is_retried_not_fatal(tmp_path: Path) -> None:
    from botguard.sim.bybit import serve

    async with start_sim({"account": [full_bybit()]}) as sim:
        serve.book(sim.server.ex).limit_scale = 0.05  # 50/s reads -> 2/s
        config = make_config(tmp_path, [bybit_bg(sim.url)])
        report = await kill(config)
        serve.book(sim.server.ex).limit_scale = 100
        log = sim.log()
        view = await ccxt_view(sim.url)
    assert any(e["code"] == 10006 for e in log)
    assert report.exit_code == 0, report.summary()
    assert_flat(view)
