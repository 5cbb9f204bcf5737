"""freqtrade's names and books as botguard reads them: env names, its database, open trades."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from botguard.framework.freqtrade import (
    BooksError,
    env_name,
    find_db_url,
    read_open_trades,
    sqlite_path,
    survives_env,
)
from tests.kill.freqtrade_db import Trade, make_db


def test_env_names_are_freqtrades() -> None:
    assert env_name("exchange", "key") == "FREQTRADE__EXCHANGE__KEY"
    assert env_name("api_server", "jwt_secret_key") == "FREQTRADE__API_SERVER__JWT_SECRET_KEY"


@pytest.mark.parametrize(
    ("name", "value", "survives"),
    [
        ("FREQTRADE__EXCHANGE__KEY", "aB3xYz", True),
        ("FREQTRADE__EXCHANGE__KEY", "12345", False),  # freqtrade would hand ccxt an int
        ("FREQTRADE__EXCHANGE__SECRET", "1e5", False),
        ("FREQTRADE__EXCHANGE__SECRET", "nan", False),
        ("FREQTRADE__TELEGRAM__TOKEN", "True", False),
        ("FREQTRADE__TELEGRAM__TOKEN", "123:abc", True),
        ("FREQTRADE__API_SERVER__PASSWORD", "12345", True),  # PASSWORD is kept as text
    ],
)
def test_values_freqtrade_would_not_read_back_as_text(
    name: str, value: str, survives: bool
) -> None:
    assert survives_env(name, value) is survives


@pytest.mark.parametrize(
    ("data", "command", "url"),
    [
        ({}, [], "sqlite:///tradesv3.sqlite"),
        ({"dry_run": True}, [], "sqlite:///tradesv3.dryrun.sqlite"),
        ({"db_url": "sqlite:///x.sqlite"}, [], "sqlite:///x.sqlite"),
        ({"db_url": "sqlite:///x.sqlite"}, ["freqtrade", "--db-url", "sqlite:////a.db"],
         "sqlite:////a.db"),
        ({}, ["freqtrade", "--db-url=sqlite:///b.db"], "sqlite:///b.db"),
    ],
)  # fmt: skip
def test_the_database_freqtrade_uses(data: dict[str, object], command: list[str], url: str) -> None:
    assert find_db_url(data, command) == url


def test_sqlite_urls_to_paths(tmp_path: Path) -> None:
    assert sqlite_path("sqlite:///tradesv3.sqlite", tmp_path) == tmp_path / "tradesv3.sqlite"
    assert sqlite_path("sqlite:////var/lib/ft/t.sqlite", tmp_path) == Path("/var/lib/ft/t.sqlite")
    assert sqlite_path("postgresql://u@h/db", tmp_path) is None
    assert sqlite_path("sqlite:///:memory:", tmp_path) is None


def test_open_trades_are_summed_per_asset_and_position(tmp_path: Path) -> None:
    db = make_db(tmp_path / "t.sqlite", [
        Trade("BTC/USDT", 0.25), Trade("BTC/USDT", 0.25), Trade("ETH/USDT", 1, is_open=False),
        Trade("ETH/USDT:USDT", 2, futures=True, is_short=True),
    ])  # fmt: skip
    trades = read_open_trades(db)
    assert trades.assets == {"BTC": Decimal("0.5")}
    assert trades.positions == {("ETH/USDT:USDT", "short"): Decimal("2.0")}


def test_untrusted_amounts_are_skipped_not_trusted(tmp_path: Path) -> None:
    db = make_db(tmp_path / "t.sqlite", [Trade("BTC/USDT", 1), Trade("ETH/USDT", 1)])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE trades SET amount = -5 WHERE pair = 'BTC/USDT'")
        conn.execute("UPDATE trades SET amount = 'lots' WHERE pair = 'ETH/USDT'")
    assert read_open_trades(db).assets == {}


def test_a_missing_database_is_never_created(tmp_path: Path) -> None:
    with pytest.raises(BooksError, match="does not exist"):
        read_open_trades(tmp_path / "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize(
    ("api", "base_url"),
    [
        ({"public": "http://127.0.0.1:8899/api/v3", "fapiPrivate": "http://127.0.0.1:8899/fapi/v1"},
         "http://127.0.0.1:8899"),
        ({"public": "http://127.0.0.1:8899/api", "private": "https://api.binance.com/api"}, None),
        ({"public": "http://127.0.0.1:8899/api", "private": "http://127.0.0.1:9000/api"}, None),
        ({"public": "http://10.0.0.5:8899/api"}, None),  # a sim is on this host
        ({"public": "http://127.0.0.1/api"}, None),  # no port: not a sim's address
        ("http://localhost:8899", "http://localhost:8899"),
        # ccxt.pro keeps its websocket URLs nested under api.ws: rebased, they count too
        ({"public": "http://127.0.0.1:8899/api", "ws": {"spot": "ws://127.0.0.1:8899/ws"}},
         "http://127.0.0.1:8899"),
        ({"public": "http://127.0.0.1:8899/api",
          "ws": {"spot": "wss://stream.binance.com:9443/ws"}}, None),
        (None, None),
    ],
)  # fmt: skip
def test_a_sim_the_bots_ccxt_urls_point_at_becomes_base_url(
    api: object, base_url: str | None
) -> None:
    from botguard.framework.ftinit import simulator_url

    data = {"exchange": {"ccxt_config": {"urls": {"api": api}}}} if api is not None else {}
    assert simulator_url(data) == base_url
