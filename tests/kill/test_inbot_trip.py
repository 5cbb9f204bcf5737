"""A guard trip inside the bot never signals the bot's own process.

A real bot process (unmodified ccxt binanceusdm against the sim) wraps its exchange
with `botguard.guard()`; `[bot] pidfile` holds the bot's own pid. A breach trips the
kill switch in the bot's own process: it must cancel and flatten, leave its own pid
alone (the flag and the guard's HALTED state are the halt there) and say so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

from .procs import write_config

pytestmark = pytest.mark.sim

BTC = "BTC/USDT:USDT"

BOT = """
import asyncio, os, sys, pathlib
import ccxt.async_support as ccxt
import botguard
from botguard.guard import guard_of
from botguard.guard.errors import GuardRejected
from botguard.venues.connect import rebase_urls

config, url, pidfile = sys.argv[1:4]
pathlib.Path(pidfile).write_text(str(os.getpid()))

async def main():
    ex = ccxt.binanceusdm({"apiKey": os.environ["BOTGUARD_CANARY_API_KEY"],
                           "secret": os.environ["BOTGUARD_CANARY_SECRET"]})
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    try:
        await ex.load_markets()
        botguard.guard(ex, config)
        await ex.create_order("BTC/USDT:USDT", "limit", "buy", 0.01, 19000)  # resting
        await ex.create_order("BTC/USDT:USDT", "market", "buy", 0.02)  # a position
        try:
            await ex.create_order("BTC/USDT:USDT", "limit", "buy", 1, 19000)  # 19k > 1k
        except GuardRejected as exc:
            print("tripped:", type(exc).__name__, flush=True)
        engine = guard_of(ex)
        report = await asyncio.to_thread(engine.on_trip.future.result, 60)
        print("state:", engine.state.value)
        print("exit:", report.exit_code)
        for line in report.halt.lines():
            print("halt:", line)
    finally:
        await ex.close()

asyncio.run(main())
"""


def test_a_trip_in_the_bot_cancels_and_flattens_without_signalling_itself(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "bot.pid"
    scenario = {
        "account": [
            {
                "name": "main",
                "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
                "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
                "futures": {"USDT": 100_000},
            }
        ],
        "prices": {BTC: 20_000},
    }
    with run_sim(scenario) as sim:
        account = {
            "name": "main",
            "exchange": "binanceusdm",
            "api_key": "env:BOTGUARD_CANARY_API_KEY",
            "secret": "env:BOTGUARD_CANARY_SECRET",
            "markets": ["swap"],
            "base_url": sim.url,
        }
        config = write_config(tmp_path, [account], bot={"pidfile": pidfile})
        with config.open("a", encoding="utf-8") as f:
            f.write("[guard]\nmax_order_notional = 1000\ntrip_after_breaches = 1\n")
        bot = tmp_path / "bot.py"
        bot.write_text(BOT, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(bot), str(config), sim.url, str(pidfile)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **CANARIES},
            timeout=90,
        )
        state = sim.state()["accounts"]["main"]
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert state["open_orders"] == []
    assert state["positions"] == []
    assert "state: halted" in done.stdout
    assert "exit: 0" in done.stdout
    pid = pidfile.read_text().strip()
    assert f"halt: bot pid {pid} (from {pidfile}): not signalled: it is this process" in done.stdout


async def test_a_killswitch_in_the_bot_skips_its_own_pid_and_journals_the_halt(
    tmp_path: Path,
) -> None:
    """In-process: the KillSwitch runs in this (the bot's) process; kill() from a process
    that is not the bot refuses the same pid file and exits 1."""
    from botguard.config import parse_config
    from botguard.journal import Journal
    from botguard.kill import KillSwitch, kill
    from botguard.testing.sim import start_sim

    from .conftest import bg_account, sim_account

    pidfile = tmp_path / "bot.pid"
    pidfile.write_text(f"{os.getpid()}\n")
    order = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01",
             "price": "50000"}  # fmt: skip
    async with start_sim({"account": [sim_account(orders=[order])]}) as sim:
        raw = {
            "bot": {"name": "b", "pidfile": str(pidfile)},
            "state": {"dir": str(tmp_path / "state")},
            "account": [bg_account(sim.url, markets=["spot"])],
        }
        config = parse_config(raw, path=tmp_path / "botguard.toml")
        async with KillSwitch(config) as switch:
            report = await switch.trigger("drawdown")
        outside = await kill(config, reason="from outside")
        orders = sim.state()["accounts"]["main"]["open_orders"]
    assert orders == []
    assert report.exit_code == 0
    assert report.halt is not None
    assert report.halt.pid is not None
    assert "not signalled: it is this process" in report.halt.pid.sentence()
    assert outside.exit_code == 1  # flat, but the pid file named no bot it could stop
    assert outside.halt is not None
    assert "refused" in (outside.halt.problem() or "")
    with Journal(config.state.dir) as journal:
        runs = journal.runs("kill")
        halts = [s["detail"] for r in runs for s in journal.steps(r.id) if s["action"] == "halt"]
    assert {h["pid"]["status"] for h in halts} == {"skipped", "refused"}
    assert all(h["pid"]["pid"] == os.getpid() for h in halts)
