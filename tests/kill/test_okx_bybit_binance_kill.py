"""One `botguard kill --yes` process over three accounts, one on each exchange the sim
speaks (Binance, OKX, Bybit), all served by one sim; each ends flat by ccxt's reads."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim
from tests.cli.process import botguard

from . import test_bybit_kill as bybit
from . import test_okx_kill as okx
from .test_kill_sim import assert_flat as binance_flat
from .test_kill_sim import full_account as binance_account

pytestmark = pytest.mark.sim

ALT_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]


def _config(tmp_path: Path, url: str) -> Path:
    accounts = ""
    for name, exchange, extra in (
        ("bn", "binance", ""),
        ("ok", "okx", 'password = "env:BOTGUARD_CANARY_PASSWORD"\n'),
        ("by", "bybit", ""),
    ):
        accounts += f"""
[[account]]
name = "{name}"
exchange = "{exchange}"
api_key = "env:KEY_{name.upper()}"
secret = "env:BOTGUARD_CANARY_SECRET"
{extra}markets = ["spot", "swap"]
base_url = "{url}"
"""
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "gridbot"\n[state]\ndir = "{tmp_path / "state"}"\n{accounts}',
        encoding="utf-8",
    )
    return path


def test_three_exchanges_in_one_kill_process_end_flat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("bn", "ok", "by"):
        monkeypatch.setenv(f"KEY_{name.upper()}", ALT_KEY + name)
    accounts = [
        binance_account("bn", api_key=ALT_KEY + "bn"),
        okx.full_okx("ok", api_key=ALT_KEY + "ok"),
        bybit.full_bybit("by", api_key=ALT_KEY + "by"),
    ]
    with run_sim({"account": accounts}, latency_ms=20) as sim:
        started = time.perf_counter()
        done = botguard("kill", "--yes", "--config", str(_config(tmp_path, sim.url)), cwd=tmp_path)
        elapsed = time.perf_counter() - started
        state = sim.state()["accounts"]
        okx_view = asyncio.run(okx.ccxt_view(sim.url, "ok"))
        bybit_view = asyncio.run(bybit.ccxt_view(sim.url, "by"))
    assert done.returncode == 0, done.stderr
    binance_flat(state["bn"])
    okx.assert_flat(okx_view)
    bybit.assert_flat(bybit_view)
    for name in ("bn", "ok", "by"):
        assert f"{name}: flat" in done.stdout
    print(f"three-exchange kill: {elapsed:.2f} s wall, process included")
