"""`botguard watch` as a real process, stopped while a trip's kill is running.

The sim answers every request after 150 ms, so the kill a trip starts takes about a
second: long enough to SIGTERM (or SIGINT) the watchdog in the middle of it. The
kill must run to its end, and the exchange's dead man's switch must stay armed until
the kill has verified the account flat.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import ccxt
import pytest

from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, scenario

pytestmark = [pytest.mark.sim, pytest.mark.usefixtures("canary_env")]

LONG = {"positions": [{"symbol": BTC, "side": "long", "amount": 2, "entry_price": 20_000}]}
COUNTDOWN = "/fapi/v1/countdownCancelAll"


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
client_id_prefix = "bg"

[state]
dir = "state"

[[account]]
name = "main"
exchange = "binanceusdm"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["swap"]
base_url = "{url}"

[guard]
symbols = ["{BTC}"]
poll_s = 0.5
dead_man_s = 30
""",
        encoding="utf-8",
    )
    return path


def place_foreign_order(sim: SimHandle) -> None:
    """Someone else uses the key: an order without the bot's client id prefix."""
    ex = ccxt.binanceusdm(
        {
            "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        }
    )
    ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
    ex.load_markets()
    ex.create_order(BTC, "limit", "buy", 0.1, 18_000, {"clientOrderId": "web_x1"})


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    until = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def kill_started(sim: SimHandle) -> bool:
    """The kill's first cancel reached the sim (the watchdog itself never cancels)."""
    return any(r["method"] == "DELETE" for r in sim.log())


def ts_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_mid_trip_lets_the_kill_finish_with_the_dead_man_armed(
    tmp_path: Path, signum: int
) -> None:
    with run_sim(scenario(**LONG), latency_ms=150) as sim:
        place_foreign_order(sim)
        sim.clear_log()
        config = write_config(tmp_path, sim.url)
        watch = subprocess.Popen(
            [sys.executable, "-m", "botguard", "watch", "--config", str(config)],
            cwd=tmp_path,
            env={**os.environ, **CANARIES},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: kill_started(sim), 60, "the trip's kill to start")
            watch.send_signal(signum)
            _, err = watch.communicate(timeout=60)
        finally:
            if watch.poll() is None:
                watch.kill()
                watch.communicate()
        log = sim.log()
        account = sim.state()["accounts"]["main"]

    assert watch.returncode == 0, err
    assert "the kill runs to its end first" in err  # the signal did land mid-kill
    assert account["positions"] == []
    assert account["open_orders"] == []
    with Journal(tmp_path / "state") as journal:
        (run,) = journal.runs("kill")
        (trip,) = journal.events("trip")
    assert trip["detail"]["rule"] == "foreign_order"
    assert run.status == "flat"
    assert run.finished_at is not None
    # armed by the poll before the trip; nothing touched it again until the kill verified
    first_cancel = next(i for i, r in enumerate(log) if r["method"] == "DELETE")
    assert any(r["path"] == COUNTDOWN for r in log[:first_cancel])
    assert all(
        r["ts"] >= ts_ms(run.finished_at) for r in log[first_cancel:] if r["path"] == COUNTDOWN
    )
