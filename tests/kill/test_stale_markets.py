"""Stale markets are reloaded, not retried into the ground (issue 11, item 5).

A market listed after the 24 h markets cache was written (the cache is pre-written
without ETH): its orders, its position and the ETH balance make the kill reload markets
once, then trade them by their proper symbols. exchangeInfo answering 503: loading
markets is retried until the deadline, and every book is cancelled meanwhile by
Binance's raw ids (cancel-all needs no precision).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config
from botguard.journal import Journal
from botguard.kill import kill
from botguard.kill.verify import AccountStatus
from botguard.testing.sim import start_sim
from botguard.venues import open_venue

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

ETH_ORDERS = [
    {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "0.5", "price": "9000"},
    {"symbol": "ETH/USDT:USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
]
ETH_SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}
EXCHANGE_INFO = ("/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo")


def eth_account() -> dict[str, Any]:
    return sim_account(spot={"USDT": "1000", "ETH": "1"}, orders=ETH_ORDERS,
                       positions=[ETH_SHORT])  # fmt: skip


async def write_cache_without_eth(config: Config) -> None:
    """The markets cache as a kill a day ago would have left it, before ETH was listed."""
    venue = open_venue(config.account[0], cache_dir=config.state.dir / "markets")
    await venue.load_markets()
    await venue.close()
    (path,) = (config.state.dir / "markets").glob("*.json")
    markets = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({k: v for k, v in markets.items() if not k.startswith("ETH/")}))


async def test_a_market_newer_than_the_cache_reloads_markets_once(tmp_path: Path) -> None:
    async with start_sim({"account": [eth_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], deadline_s=10)
        await write_cache_without_eth(config)
        sim.clear_log()
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 0, report.summary()
    assert state["open_orders"] == []
    assert state["positions"] == []
    assert state["spot"]["ETH"]["free"] in ("0", "0.0")
    loads = [e["path"] for e in log if e["path"] in EXCHANGE_INFO]
    assert sorted(loads) == sorted(EXCHANGE_INFO)  # one reload, spot and futures
    assert not [e for e in log if e["status"] >= 400]  # nothing sent by a raw or wrong id
    (cache,) = (config.state.dir / "markets").glob("*.json")
    assert "ETH/USDT:USDT" in json.loads(cache.read_text(encoding="utf-8"))  # next run too


async def test_exchange_info_failing_is_retried_to_the_deadline_while_books_are_cancelled(
    tmp_path: Path,
) -> None:
    faults = ",".join(f"GET {path}:503" for path in EXCHANGE_INFO)
    async with start_sim({"account": [eth_account()]}, faults=faults) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], deadline_s=6)
        started = time.monotonic()
        report = await kill(config, halt=False)
        elapsed = time.monotonic() - started
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert report.exit_code == 3
    (result,) = report.accounts
    assert result.status is AccountStatus.UNREACHABLE
    assert 4.5 < elapsed < 6.5  # retried until the deadline, not given up after ~3 s
    assert len([e for e in log if e["path"] in EXCHANGE_INFO]) > 6
    assert state["open_orders"] == []  # cancelled without markets
    assert len(state["positions"]) == 1  # closing needs precision: it waits for markets
    with Journal(config.state.dir) as journal:
        steps = journal.steps(report.run_id)
    (blind,) = [s for s in steps if s["key"] == "main:without-markets"]
    assert blind["status"] == "ok"
    assert blind["detail"]["orders"] == 2


async def test_exchange_info_failing_now_and_then_still_ends_flat(tmp_path: Path) -> None:
    faults = ",".join(f"GET {path}:n=1:503" for path in EXCHANGE_INFO)
    async with start_sim({"account": [eth_account()]}, faults=faults) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], deadline_s=10)
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert state["positions"] == []
    assert state["open_orders"] == []


async def test_a_dry_run_never_cancels_while_markets_fail(tmp_path: Path) -> None:
    faults = ",".join(f"GET {path}:503" for path in EXCHANGE_INFO)
    async with start_sim({"account": [eth_account()]}, faults=faults) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], deadline_s=2)
        report = await kill(config, dry_run=True)
        log = sim.log()
    assert report.exit_code == 3
    assert [e for e in log if e["method"] != "GET"] == []
