"""`flatten = "bot"` counts what the exchange filled, not what the kill sent.

A market sell or reduce-only close can fill in part (Binance answers EXPIRED with an
executedQty below origQty when the book runs dry; OKX and Bybit cancel the unfilled rest
of a market IOC the same way; the sim's `partial` fault fills half). The bot's share is
then only partly gone: taking the whole sent amount off it would leave the rest of the
bot's coins or contracts "left alone as not the bot's" and report the account flat.
Each test runs unmodified ccxt over HTTP against `botguard sim`, on every exchange.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config, parse_config
from botguard.kill import kill
from botguard.testing.sim import start_sim

from .conftest import bg_account, sim_account
from .freqtrade_db import Trade, make_db

pytestmark = pytest.mark.sim

SPOT = {"USDT": "10000", "BTC": "1.5", "ETH": "3"}
SELL_PATHS = {
    "binance": "POST /api/v3/order",
    "okx": "POST /api/v5/trade/batch-orders",
    "bybit": "POST /v5/order/create",
}
CLOSE_PATHS = {
    "binance": "POST /fapi/v1/order",
    "okx": "POST /api/v5/trade/batch-orders",  # the bot's part of a position: reduce-only
    "bybit": "POST /v5/order/create",
}


def _extra(exchange: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The sim account's and botguard account's extra fields for `exchange`."""
    from botguard.testing.canary import CANARIES

    if exchange == "okx":
        return (
            {"exchange": "okx", "passphrase": CANARIES["BOTGUARD_CANARY_PASSWORD"]},
            {"exchange": "okx", "password": "env:BOTGUARD_CANARY_PASSWORD"},
        )
    return {"exchange": exchange}, {"exchange": exchange}


def _config(tmp: Path, url: str, db: Path, **account: Any) -> Config:
    (tmp / "config.json").write_text(json.dumps({"db_url": f"sqlite:///{db}"}))
    raw = {
        "bot": {"name": "ft", "framework": "freqtrade", "framework_config": ["config.json"],
                "workdir": str(tmp)},
        "state": {"dir": str(tmp / "state")},
        "account": [bg_account(url, flatten="bot", **account)],
        "kill": {"deadline_s": 20},
    }  # fmt: skip
    return parse_config(raw, path=tmp / "botguard.toml")


def _btc(state: dict[str, Any]) -> Decimal:
    spot = state["spot"]["BTC"]
    return Decimal(spot["free"]) + Decimal(spot.get("locked", "0"))


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
async def test_a_part_filled_sell_of_the_bots_coins_is_finished(
    tmp_path: Path, exchange: str
) -> None:
    """The first sell of the bot's 0.5 BTC fills 0.25: the kill sells the other 0.25
    (and only that), instead of calling the 0.25 the user's and reporting flat."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    sim_extra, bg_extra = _extra(exchange)
    acct = sim_account(spot=SPOT, **sim_extra)
    fault = f"{SELL_PATHS[exchange]}:n=1:partial"
    async with start_sim({"account": [acct]}, faults=fault) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["spot"], **bg_extra))
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert any(e["fault"] == "partial" for e in log)
    assert _btc(state) == Decimal("1.0"), report.summary()
    assert report.exit_code == 0, report.summary()
    [account] = report.accounts
    assert sum(s.amount for s in account.done.sold) == Decimal("0.5")


@pytest.mark.parametrize("exchange", ["binance", "okx", "bybit"])
async def test_a_part_filled_close_of_the_bots_contracts_is_finished(
    tmp_path: Path, exchange: str
) -> None:
    """0.05 of a 0.08 BTC long is the bot's; its close fills half: the kill closes the
    rest of the bot's 0.05 and leaves the user's 0.03."""
    long = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.08", "entry_price": "62000"}
    size = 0.01 if exchange == "okx" else 1.0  # freqtrade stores OKX's ctVal
    btc = Trade("BTC/USDT:USDT", 0.05, futures=True, contract_size=size)
    db = make_db(tmp_path / "tradesv3.sqlite", [btc])
    sim_extra, bg_extra = _extra(exchange)
    acct = sim_account(spot=SPOT, positions=[long], **sim_extra)
    fault = f"{CLOSE_PATHS[exchange]}:n=1:partial"
    async with start_sim({"account": [acct]}, faults=fault) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["swap"], **bg_extra))
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert any(e["fault"] == "partial" for e in log)
    left = [(p["symbol"], p["positionAmt"]) for p in state["positions"]]
    assert left == [("BTCUSDT", "0.03")], report.summary()
    assert report.exit_code == 0, report.summary()


async def test_a_kill_resumed_after_a_part_fill_sells_the_rest_of_the_bots_coins(
    tmp_path: Path,
) -> None:
    """The first kill's sell fills half, and the process dies while its second sell hangs
    unanswered: the resumed kill still owes the bot's other 0.25 BTC (the journal says the
    first sell filled 0.25 of its 0.5), and sells no more than that."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    faults = "POST /api/v3/order:n=1:partial,POST /api/v3/order:n=2:timeout"
    async with start_sim({"account": [sim_account(spot=SPOT)]}, faults=faults) as sim:
        config = _config(tmp_path, sim.url, db, markets=["spot"])
        task = asyncio.create_task(kill(config))
        while not any(e["fault"] == "timeout" for e in sim.log()):  # noqa: ASYNC110 - polls the sim
            await asyncio.sleep(0.02)
        task.cancel()  # as if the process died with its second sell unanswered
        with pytest.raises(asyncio.CancelledError):
            await task
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert report.resumed
    assert _btc(state) == Decimal("1.0"), report.summary()
    assert report.exit_code == 0, report.summary()


@pytest.mark.parametrize("mode", ["one-way", "hedge"])
async def test_okx_closes_only_the_bots_part_of_a_shared_position(
    tmp_path: Path, mode: str
) -> None:
    """OKX's close-position closes a whole position: with 0.05 of a 0.08 BTC long the
    bot's, the kill sends a reduce-only order for the bot's part instead and leaves the
    user's 0.03 (net mode and long/short mode, where the short leg is the user's)."""
    positions = [{"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.08",
                  "entry_price": "62000"}]  # fmt: skip
    if mode == "hedge":
        positions.append({**positions[0], "side": "short", "amount": "0.02"})
    btc = Trade("BTC/USDT:USDT", 0.05, futures=True, contract_size=0.01)  # OKX's ctVal
    db = make_db(tmp_path / "tradesv3.sqlite", [btc])
    sim_extra, bg_extra = _extra("okx")
    acct = sim_account(positions=positions, position_mode=mode, **sim_extra)
    async with start_sim({"account": [acct]}) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["swap"], **bg_extra))
        state = sim.state()["accounts"]["main"]
    left = sorted((p["symbol"], p["positionAmt"]) for p in state["positions"])
    user = [("BTCUSDT", "-0.02")] if mode == "hedge" else []
    assert left == sorted([("BTCUSDT", "0.03"), *user]), report.summary()
    assert report.exit_code == 0, report.summary()


async def test_a_sell_in_flight_when_the_kill_died_is_looked_up_not_sent_again(
    tmp_path: Path,
) -> None:
    """The first kill dies with its sell of the bot's 0.5 BTC sent and unanswered; the
    sell lands after all. The resumed kill finds it by its client id (after the landing
    window) and does not sell another 0.5 BTC, which would be the user's."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    faults = "POST /api/v3/order:n=1:late"
    async with start_sim({"account": [sim_account(spot=SPOT)]}, faults=faults) as sim:
        config = _config(tmp_path, sim.url, db, markets=["spot"])
        task = asyncio.create_task(kill(config))
        while not any(e["fault"] == "late" for e in sim.log()):  # noqa: ASYNC110 - polls the sim
            await asyncio.sleep(0.02)
        task.cancel()  # the process died: the sell's answer is lost, the sell lands late
        with pytest.raises(asyncio.CancelledError):
            await task
        report = await kill(config)
        await _landed(sim.log)  # the lost sell is processed whenever it lands
        state = sim.state()["accounts"]["main"]
    assert report.resumed
    assert _btc(state) == Decimal("1.0"), report.summary()
    assert report.exit_code == 0, report.summary()


async def _landed(log: Callable[[], list[dict[str, Any]]]) -> None:
    """Until the sim has processed the `late` request (60 s at most: a bound, not a wait)."""
    for _ in range(3000):
        if any(e["fault"] == "late" and e["status"] == 200 for e in log()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the late sell never landed")


async def test_a_close_in_flight_when_the_kill_died_is_looked_up_not_sent_again(
    tmp_path: Path,
) -> None:
    """The same for a close: 0.05 of a 0.08 BTC long is the bot's; the first kill dies
    with its close unanswered, the close lands late; the user's 0.03 stays."""
    long = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.08", "entry_price": "62000"}
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT:USDT", 0.05, futures=True)])
    faults = "POST /fapi/v1/order:n=1:late"
    async with start_sim({"account": [sim_account(positions=[long])]}, faults=faults) as sim:
        config = _config(tmp_path, sim.url, db, markets=["swap"])
        task = asyncio.create_task(kill(config))
        while not any(e["fault"] == "late" for e in sim.log()):  # noqa: ASYNC110 - polls the sim
            await asyncio.sleep(0.02)
        task.cancel()  # the process died: the close's answer is lost, the close lands late
        with pytest.raises(asyncio.CancelledError):
            await task
        report = await kill(config)
        await _landed(sim.log)
        state = sim.state()["accounts"]["main"]
    assert report.resumed
    left = [(p["symbol"], p["positionAmt"]) for p in state["positions"]]
    assert left == [("BTCUSDT", "0.03")], report.summary()
    assert report.exit_code == 0, report.summary()


async def test_a_sell_in_flight_that_cannot_be_looked_up_sells_nothing_more(
    tmp_path: Path,
) -> None:
    """As above, but the exchange cannot say what became of the lost sell (every order
    lookup answers 503): the resumed kill attributes nothing, so it sells none of the
    user's coins, and says unverified (exit 1) instead of flat."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    faults = "POST /api/v3/order:n=1:late,GET /api/v3/order:503"
    async with start_sim({"account": [sim_account(spot=SPOT)]}, faults=faults) as sim:
        config = _config(tmp_path, sim.url, db, markets=["spot"])
        task = asyncio.create_task(kill(config))
        while not any(e["fault"] == "late" for e in sim.log()):  # noqa: ASYNC110 - polls the sim
            await asyncio.sleep(0.02)
        task.cancel()  # the process died: the sell's answer is lost, the sell lands late
        with pytest.raises(asyncio.CancelledError):
            await task
        report = await kill(config)
        await _landed(sim.log)
        state = sim.state()["accounts"]["main"]
        sells = [e for e in sim.log() if e["path"] == "/api/v3/order" and e["method"] == "POST"]
    assert report.resumed
    assert len(sells) == 1, "the resumed kill sent no second sell"
    assert _btc(state) == Decimal("1.0"), report.summary()
    assert report.exit_code == 1, report.summary()
    assert "could not be looked up" in json.dumps(report.summary())
