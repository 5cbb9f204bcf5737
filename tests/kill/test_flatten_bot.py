"""`[[account]] flatten = "bot"`: the kill sells and closes only what freqtrade's open trades
hold, read from a real SQLite database in freqtrade's table layout, against the sim.

The database is the bot's (untrusted): its amounts are capped by the exchange's own
books, and a database that cannot be read makes the account `unverified` with nothing
sold, never "flat" and never a silent sell-everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config, parse_config
from botguard.errors import ConfigError
from botguard.kill import kill
from botguard.kill.verify import AccountStatus
from botguard.testing.sim import start_sim

from .conftest import bg_account, sim_account
from .freqtrade_db import Trade, make_db

pytestmark = pytest.mark.sim

SPOT_ORDERS = [
    {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
    {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
]
LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}


def _account(**overrides: Any) -> dict[str, Any]:
    """Coins the bot bought, coins the user holds besides, and orders on both."""
    spot = {"USDT": "10000", "BTC": "1.5", "ETH": "3", "BNB": "2"}
    return sim_account(spot=spot, orders=SPOT_ORDERS, **overrides)


def _config(tmp: Path, url: str, db: Path | str | None, **account: Any) -> Config:
    """A freqtrade bot whose config names its database; the account flattens "bot"."""
    freqtrade = {"exchange": {"name": "binance"}, "stake_currency": "USDT"}
    if db is not None:
        freqtrade["db_url"] = db if isinstance(db, str) else f"sqlite:///{db}"
    (tmp / "config.json").write_text(json.dumps(freqtrade))
    raw = {
        "bot": {"name": "ft", "framework": "freqtrade", "framework_config": ["config.json"],
                "workdir": str(tmp)},
        "state": {"dir": str(tmp / "state")},
        "account": [bg_account(url, flatten="bot", **account)],
        "kill": {"deadline_s": 20},
    }  # fmt: skip
    return parse_config(raw, path=tmp / "botguard.toml")


def _holdings(state: dict[str, Any]) -> dict[str, Decimal]:
    return {a: Decimal(b["free"]) + Decimal(b.get("locked", "0"))
            for a, b in state["spot"].items() if a != "USDT"}  # fmt: skip


async def test_spot_sells_only_what_the_open_trades_hold(tmp_path: Path) -> None:
    db = make_db(tmp_path / "tradesv3.sqlite", [
        Trade("BTC/USDT", 0.3), Trade("BTC/USDT", 0.2),  # the bot's: 0.5 BTC
        Trade("ETH/USDT", 3.0, is_open=False),            # closed: not the bot's any more
    ])  # fmt: skip
    async with start_sim({"account": [_account()]}) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["spot"]))
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert state["open_orders"] == []  # cancels still take every order
    held = _holdings(state)
    assert held["BTC"] == Decimal("1.0")
    assert held["ETH"] == Decimal("3")
    assert held["BNB"] == Decimal("2")
    [account] = report.accounts
    assert [(s.asset, s.amount) for s in account.done.sold] == [("BTC", Decimal("0.5"))]
    assert any("left alone as not the bot's: BNB 2, BTC 1, ETH 3" in n for n in account.notes)


async def test_futures_closes_only_the_bots_positions(tmp_path: Path) -> None:
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT:USDT", 0.05, futures=True)])
    async with start_sim({"account": [_account(positions=[LONG, SHORT])]}) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["swap"]))
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    left = [(p["symbol"], p["positionAmt"]) for p in state["positions"]]
    assert left == [("ETHUSDT", "-1.5")]  # the user's short stays


async def test_the_bots_books_never_raise_a_sell_past_the_exchanges(tmp_path: Path) -> None:
    """A database claiming more than the account holds sells what the account holds."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 100.0)])
    async with start_sim({"account": [_account()]}) as sim:
        report = await kill(_config(tmp_path, sim.url, db, markets=["spot"]))
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert "BTC" not in {a for a, v in _holdings(state).items() if v > 0}
    assert _holdings(state)["ETH"] == Decimal("3")


@pytest.mark.parametrize("broken", ["missing", "garbage", "not freqtrade's", "postgres"])
async def test_unreadable_books_sell_nothing_and_say_unverified(
    tmp_path: Path, broken: str
) -> None:
    db = tmp_path / "tradesv3.sqlite"
    if broken == "garbage":
        db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    elif broken == "not freqtrade's":
        make_db(tmp_path / "other.sqlite", []).rename(db)
        import sqlite3

        with sqlite3.connect(db) as conn:
            conn.execute("ALTER TABLE trades RENAME TO something_else")
    url = "postgresql://ft@127.0.0.1/ft" if broken == "postgres" else db
    async with start_sim({"account": [_account()]}) as sim:
        report = await kill(_config(tmp_path, sim.url, url, markets=["spot"]))
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 1
    [account] = report.accounts
    assert account.status is AccountStatus.UNVERIFIED
    assert any("freqtrade's" in n and "nothing sold" in n for n in account.notes)
    assert state["open_orders"] == []  # the halt and the cancels happen all the same
    assert _holdings(state) == {"BTC": Decimal("1.5"), "ETH": Decimal("3"), "BNB": Decimal("2")}
    assert db.exists() == (broken not in ("missing", "postgres"))  # read-only: never created


def test_flatten_bot_without_a_framework_is_a_config_error(tmp_path: Path) -> None:
    raw = {"bot": {"name": "b"}, "account": [bg_account("http://127.0.0.1:9", flatten="bot")]}
    with pytest.raises(ConfigError, match=r'flatten = "bot".*add framework = "freqtrade"'):
        parse_config(raw, path=tmp_path / "botguard.toml")


async def test_a_second_kill_does_not_sell_the_accounts_coins_for_the_bots(
    tmp_path: Path,
) -> None:
    """The bot stays halted after a kill, so its books still show the trade open: what
    the first kill sold since the halt flag went up is not the bot's again."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    async with start_sim({"account": [_account()]}) as sim:
        config = _config(tmp_path, sim.url, db, markets=["spot"])
        first = await kill(config)
        os.utime(db)  # freqtrade's own shutdown wrote its books after the kill's sells
        second = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert (first.exit_code, second.exit_code) == (0, 0), second.summary()
    assert _holdings(state)["BTC"] == Decimal("1.0")
    assert second.accounts[0].done.sold == []


DROPS_ON_SIGTERM = """\
import pathlib, signal, sqlite3, sys, time
def stop(*_):
    with sqlite3.connect(sys.argv[2]) as db:  # what a framework asked to stand down does
        db.execute("UPDATE trades SET is_open = 0")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
pathlib.Path(sys.argv[1]).touch()
while True:
    time.sleep(0.05)
"""


def _spawn_dropping_bot(tmp_path: Path, db: Path) -> tuple[subprocess.Popen[bytes], list[str]]:
    """The bot running (its ready file seen, 30 s at most) with its pid file written."""
    script = tmp_path / "bot.py"
    script.write_text(DROPS_ON_SIGTERM)
    argv = [sys.executable, str(script), str(tmp_path / "ready"), str(db)]
    proc = subprocess.Popen(argv)
    deadline = time.monotonic() + 30
    while not (tmp_path / "ready").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "bot.pid").write_text(f"{proc.pid}\n")
    return proc, argv


def _exit_code(proc: subprocess.Popen[bytes]) -> int:
    return proc.wait(timeout=30)


async def test_the_share_is_read_before_the_bot_is_stopped(tmp_path: Path) -> None:
    """A bot that drops its open trades from its books as it stops (freqtrade asked over
    its API) must not make the kill leave the coins those trades bought."""
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    proc, argv = _spawn_dropping_bot(tmp_path, db)
    try:
        async with start_sim({"account": [_account()]}) as sim:
            config = _config(tmp_path, sim.url, db, markets=["spot"])
            bot = config.bot.model_copy(update={"pidfile": tmp_path / "bot.pid", "command": argv})
            report = await kill(config.model_copy(update={"bot": bot}))
            state = sim.state()["accounts"]["main"]
        assert _exit_code(proc) == 0  # it ran its SIGTERM handler: the trade is gone
    finally:
        proc.kill()
    assert report.exit_code == 0, report.summary()
    assert _holdings(state)["BTC"] == Decimal("1.0")


async def test_a_second_kill_does_not_close_the_accounts_positions_for_the_bots(
    tmp_path: Path,
) -> None:
    long = {**LONG, "amount": "0.08"}  # 0.05 the bot's, 0.03 the user's
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT:USDT", 0.05, futures=True)])
    async with start_sim({"account": [_account(positions=[long])]}) as sim:
        config = _config(tmp_path, sim.url, db, markets=["swap"])
        first = await kill(config)
        second = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert (first.exit_code, second.exit_code) == (0, 0), second.summary()
    assert [(p["symbol"], p["positionAmt"]) for p in state["positions"]] == [("BTCUSDT", "0.03")]


@pytest.mark.parametrize("exchange", ["okx", "bybit"])
async def test_not_binance_either_sells_only_the_bots_coins(tmp_path: Path, exchange: str) -> None:
    """The bot's share is the plan's, not a venue's: OKX and Bybit keep the user's coins too."""
    from . import test_bybit_kill, test_okx_kill

    spot = {"USDT": "10000", "BTC": "1.5", "ETH": "3", "BNB": "2"}
    if exchange == "okx":
        acct, extra = test_okx_kill.okx_sim(spot=spot), {"password": "env:BOTGUARD_CANARY_PASSWORD"}
    else:
        acct, extra = test_bybit_kill.bybit_sim(spot=spot), {}
    db = make_db(tmp_path / "tradesv3.sqlite", [Trade("BTC/USDT", 0.5)])
    async with start_sim({"account": [acct]}) as sim:
        report = await kill(
            _config(tmp_path, sim.url, db, markets=["spot"], exchange=exchange, **extra)
        )
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    held = _holdings(state)
    assert held["BTC"] == Decimal("1.0")
    assert (held["ETH"], held["BNB"]) == (Decimal("3"), Decimal("2"))
    [account] = report.accounts
    assert [(s.asset, s.amount) for s in account.done.sold] == [("BTC", Decimal("0.5"))]
