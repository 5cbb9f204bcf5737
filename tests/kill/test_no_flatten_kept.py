"""`botguard kill --no-flatten` (or `[kill] flatten = false`) never says "flat" while
positions or coins stay open: the account is `cancelled` (exit 0: the cancels asked for
are done and verified by a fresh read), and the report lists every position and coin kept.

Against the sim over real HTTP with unmodified ccxt; the sim's own books are the truth.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.journal import Journal
from botguard.kill import kill
from botguard.testing.sim import run_sim, start_sim
from tests.cli.process import botguard

from . import test_okx_kill as okx
from .conftest import bg_account, make_config, sim_account
from .test_kill_sim import assert_flat, full_account

pytestmark = pytest.mark.sim

KEPT = "kept (--no-flatten): "


def _toml(tmp_path: Path, url: str, exchange: str) -> Path:
    password = 'password = "env:BOTGUARD_CANARY_PASSWORD"\n' if exchange == "okx" else ""
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "gridbot"\n[state]\ndir = "{tmp_path / "state"}"\n'
        f'[[account]]\nname = "main"\nexchange = "{exchange}"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'{password}markets = ["spot", "swap"]\nbase_url = "{url}"\n',
        encoding="utf-8",
    )
    return path


def _last_run(tmp_path: Path) -> Any:
    with Journal(tmp_path / "state") as journal:
        return journal.runs("kill")[0]


def test_binance_no_flatten_is_cancelled_lists_what_is_kept_then_a_kill_is_flat(
    tmp_path: Path,
) -> None:
    with run_sim({"account": [full_account()]}) as sim:
        config = _toml(tmp_path, sim.url, "binance")
        kept = botguard("kill", "--yes", "--no-flatten", "--config", str(config), cwd=tmp_path)
        after_cancel = sim.state()["accounts"]["main"]
        cancelled_run = _last_run(tmp_path)
        flat = botguard("kill", "--yes", "--config", str(config), cwd=tmp_path)
        after_kill = sim.state()["accounts"]["main"]
    assert kept.returncode == 0, kept.stderr
    assert "main: cancelled" in kept.stdout
    assert "main: flat" not in kept.stdout
    for line in ("long 0.05 BTC/USDT:USDT", "short 1.5 ETH/USDT:USDT", "0.5 BTC", "3 ETH",
                 "2 BNB"):  # fmt: skip
        assert KEPT + line in kept.stdout, kept.stdout
    assert after_cancel["open_orders"] == []
    assert after_cancel["algo_orders"] == []
    assert len(after_cancel["positions"]) == 2  # kept, as asked
    assert cancelled_run.status == "cancelled"
    summary = cancelled_run.summary["accounts"]["main"]
    assert summary["status"] == "cancelled"
    assert {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05"} in summary["kept_open"]
    assert {"asset": "BTC", "amount": "0.5"} in summary["kept_open"]
    assert flat.returncode == 0, flat.stderr
    assert "main: flat" in flat.stdout
    assert KEPT not in flat.stdout
    assert_flat(after_kill)
    assert _last_run(tmp_path).status == "flat"


def test_okx_no_flatten_is_cancelled_and_lists_the_swaps_kept(tmp_path: Path) -> None:
    with run_sim({"account": [okx.full_okx()]}) as sim:
        config = _toml(tmp_path, sim.url, "okx")
        kept = botguard("kill", "--yes", "--no-flatten", "--config", str(config), cwd=tmp_path)
        view = asyncio.run(okx.ccxt_view(sim.url))
        cancelled_run = _last_run(tmp_path)
        flat = botguard("kill", "--yes", "--config", str(config), cwd=tmp_path)
        flat_view = asyncio.run(okx.ccxt_view(sim.url))
    assert kept.returncode == 0, kept.stderr
    assert "main: cancelled" in kept.stdout
    assert view["orders"] == []
    assert view["algo"] == []
    assert len(view["positions"]) == 2
    for what in ("long", "BTC/USDT:USDT", "short", "ETH/USDT:USDT", "0.5 BTC", "3 ETH"):
        assert any(KEPT in ln and what in ln for ln in kept.stdout.splitlines()), what
    assert cancelled_run.status == "cancelled"
    assert flat.returncode == 0, flat.stderr
    assert "main: flat" in flat.stdout
    okx.assert_flat(flat_view)


async def test_flatten_false_in_config_is_cancelled_not_flat(tmp_path: Path) -> None:
    async with start_sim({"account": [full_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)], flatten=False)
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert report.status == "cancelled"
    (result,) = report.accounts
    assert result.status == "cancelled"
    assert result.remaining is not None
    kept = {(k.what, k.side.value if k.side else None) for k in result.remaining.kept_open}
    assert ("BTC/USDT:USDT", "long") in kept
    assert ("BTC", None) in kept
    assert Decimal(state["spot"]["BTC"]["free"]) == Decimal("0.5")


async def test_no_flatten_with_only_the_quote_held_is_flat(tmp_path: Path) -> None:
    acct = sim_account(orders=[{"symbol": "BTC/USDT", "side": "buy", "type": "limit",
                                "amount": "0.01", "price": "50000"}])  # fmt: skip
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        report = await kill(config, halt=False, flatten=False)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert report.status == "flat"
    assert report.accounts[0].remaining is not None
    assert report.accounts[0].remaining.kept_open == ()
    assert_flat(state)
