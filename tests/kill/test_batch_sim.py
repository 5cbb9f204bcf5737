"""Batched closes against botguard sim: Binance's batchOrders, 5 orders a request.

The sim answers batchOrders as Binance does, one entry per order (the order, or its
{code, msg}), so a refused order leaves the rest of its batch trading. Assertions read
the sim's request log and state, never what the kill claims.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.config import AccountConfig
from botguard.journal import Journal
from botguard.kill import kill
from botguard.sim.catalogue import catalogue_markets
from botguard.testing.sim import start_sim
from botguard.venues import open_venue
from botguard.venues.base import CloseRequest
from botguard.venues.ccxt_venue import CcxtVenue
from botguard.venues.errors import OrderRejected
from botguard.venues.types import PositionSide

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

PERPS = ["BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT"]
BATCH = "POST /fapi/v1/batchOrders"
SINGLE = "POST /fapi/v1/order"


def positions(assets: list[str], side: str | None = None) -> list[dict[str, Any]]:
    """About 1000 USDT of each perp; long and short alternating unless `side` is given."""
    markets = {m.symbol: m for m in catalogue_markets()}
    out = []
    for n, asset in enumerate(assets):
        market = markets[f"{asset}/USDT:USDT"]
        step = market.step_size
        amount = (Decimal(1000) / market.price // step) * step or step
        out.append({"symbol": market.symbol, "side": side or ("long", "short")[n % 2],
                    "amount": str(amount), "entry_price": str(market.price)})  # fmt: skip
    return out


def futures_account(pos: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return sim_account(positions=pos, futures={"USDT": "100000"}, **overrides)


def swap_only(url: str) -> dict[str, Any]:
    return bg_account(url, exchange="binanceusdm", markets=["swap"])


def calls(log: list[dict[str, Any]], what: str, status: int | None = 200) -> list[dict[str, Any]]:
    method, path = what.split()
    return [e for e in log if e["method"] == method and e["path"] == path
            and (status is None or e["status"] == status)]  # fmt: skip


def close_steps(config: Any, run_id: str) -> list[dict[str, Any]]:
    with Journal(config.state.dir) as journal:
        return [s for s in journal.steps(run_id) if s["action"] == "close"]


async def test_ten_positions_close_in_two_batch_requests(tmp_path: Path) -> None:
    async with start_sim({"account": [futures_account(positions(PERPS))]}) as sim:
        config = make_config(tmp_path, [swap_only(sim.url)])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()  # verified flat by a fresh read
    assert state["positions"] == []
    assert len(calls(log, BATCH, status=None)) == 2
    assert calls(log, SINGLE, status=None) == []  # no close went on its own
    steps = close_steps(config, report.run_id)
    oks = [s for s in steps if s["status"] == "ok"]
    assert len(oks) == 10  # the journal still has one entry per order
    assert {s["detail"]["via"] for s in oks} == {"batch"}
    assert len({s["key"] for s in oks}) == 10  # each with its own client id


async def test_hedge_mode_closes_both_sides_in_batches(tmp_path: Path) -> None:
    hedged = positions(PERPS[:5], "long") + positions(PERPS[:5], "short")
    acct = futures_account(hedged, position_mode="hedge")
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [swap_only(sim.url)])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert state["positions"] == []
    assert len(calls(log, BATCH)) == 2  # positionSide named, no reduceOnly: -1106 never hit
    assert calls(log, SINGLE, status=None) == []


async def test_one_refused_order_in_a_batch_is_sent_again_after_a_fresh_read(
    tmp_path: Path,
) -> None:
    acct = futures_account(positions(PERPS))
    faults = f"{BATCH}:n=1:reject"  # the first order of the first batch to arrive
    async with start_sim({"account": [acct]}, faults=faults) as sim:
        config = make_config(tmp_path, [swap_only(sim.url)])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert state["positions"] == []
    assert len(calls(log, BATCH)) == 2  # both batches answered 200: the refusal is per order
    assert len(calls(log, SINGLE)) == 1  # only the refused close went again, alone
    steps = close_steps(config, report.run_id)
    (retry,) = [s for s in steps if s["status"] == "retrying"]
    assert "-2010" in retry["detail"]["error"]
    (failed,) = [s for s in steps if s["status"] == "failed"]
    assert failed["key"] == retry["key"]  # not re-sent in its round (issue 11, item 7)
    oks = {s["key"]: s["detail"]["via"] for s in steps if s["status"] == "ok"}
    assert set(oks.values()) == {"batch"}
    assert len(oks) == 10  # nine from the first round, one from the second round's read
    assert sum("r1n" in key for key in oks) == 1


async def test_a_close_refused_every_time_is_reported_as_residual(tmp_path: Path) -> None:
    acct = futures_account(positions(PERPS[:5]))
    faults = f"{BATCH}:n=1:reject,{SINGLE}:reject"  # the single resend is refused too
    async with start_sim({"account": [acct]}, faults=faults) as sim:
        config = make_config(tmp_path, [swap_only(sim.url)], deadline_s=2)
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 1
    (result,) = report.accounts
    assert result.status == "residual"
    assert len(state["positions"]) == 1  # the other four closed
    assert result.remaining is not None
    (left,) = result.remaining.closes  # the report names what is still open
    assert left.symbol.replace("/USDT:USDT", "USDT") == state["positions"][0]["symbol"]
    assert any(e.startswith(f"close {left.symbol}") for e in result.done.errors)


async def test_a_batch_that_timed_out_is_looked_up_then_sent_once_next_round(
    tmp_path: Path, short_landing_window: float
) -> None:
    """The sim's timeout drops the batch unplaced: each close is looked up, and looked up
    again once it can no longer land (the window is cut short here: the sim never lands
    a timed-out batch); found missing, it is sent
    once more by the next round, after a fresh read (a batch that landed before timing
    out: test_execute_fake.py)."""
    acct = futures_account(positions(PERPS[:5]))
    async with start_sim({"account": [acct]}, faults=f"{BATCH}:n=1:timeout") as sim:
        config = make_config(tmp_path, [swap_only(sim.url)], deadline_s=15)
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert state["positions"] == []
    assert [e["fault"] for e in calls(log, BATCH, status=None)] == ["timeout", None]
    lookups = calls(log, "GET /fapi/v1/order", status=None)
    assert calls(log, SINGLE, status=None) == []  # never re-sent within its round
    assert len(lookups) >= 10  # each close at once, and again after its landing window
    steps = close_steps(config, report.run_id)
    oks = [s for s in steps if s["status"] == "ok"]
    assert [s["detail"]["via"] for s in oks] == ["batch"] * 5
    assert all("r1n" in s["key"] for s in oks)


async def close_requests(venue: CcxtVenue, symbols: list[str]) -> list[CloseRequest]:
    exposure = await venue.exposure()
    by_symbol = {p.symbol: p for p in exposure.positions}
    return [
        CloseRequest(s, PositionSide.LONG, by_symbol[s].contracts if s in by_symbol else
                     Decimal(1), f"t{n}", hedged=False)
        for n, s in enumerate(symbols)
    ]  # fmt: skip


async def test_venue_matches_each_answer_to_its_close(tmp_path: Path) -> None:
    """A refusal in the middle of a batch: ccxt reorders its answer, the venue does not."""
    pos = positions(["BTC", "ETH", "SOL", "ADA"], "long")
    async with start_sim({"account": [futures_account(pos)]}) as sim:
        account = AccountConfig.model_validate(swap_only(sim.url))
        venue = open_venue(account)
        try:
            await venue.load_markets()
            symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT", "BNB/USDT:USDT", "SOL/USDT:USDT"]
            results = await venue.close_positions(await close_requests(venue, symbols))
        finally:
            await venue.close()
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert [r.client_id for r in results] == ["t0", "t1", "t2", "t3"]
    assert [r.error is None for r in results] == [True, True, False, True]
    assert isinstance(results[2].error, OrderRejected)  # no BNB long to reduce: -2022
    assert "-2022" in str(results[2].error)
    assert [p["symbol"] for p in state["positions"]] == ["ADAUSDT"]
    assert len(calls(log, BATCH)) == 1


async def test_generic_venue_closes_one_order_each(tmp_path: Path) -> None:
    """An exchange without a known batch endpoint: every close alone, all at once."""
    pos = positions(["BTC", "ETH", "SOL"], "long")
    async with start_sim({"account": [futures_account(pos)]}) as sim:
        account = AccountConfig.model_validate(swap_only(sim.url))
        binance = open_venue(account)
        venue = CcxtVenue("main", binance.exchange, market_types=("swap",))
        try:
            await venue.load_markets()
            symbols = ["BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"]
            results = await venue.close_positions(await close_requests(binance, symbols))
        finally:
            await venue.close()
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert all(r.order_id for r in results)
    assert state["positions"] == []
    assert len(calls(log, SINGLE)) == 3
    assert calls(log, BATCH, status=None) == []
