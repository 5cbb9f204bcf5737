"""`botguard kill` through a running `botguard watch` (the guardian), real processes.

The sim runs in a thread of the test; the guardian and the kill are real `botguard`
processes. A kill through the guardian must end exactly as a cold one does (verified
flat, the same report and exit code), join a trip's kill instead of doubling it, and
refuse any caller that is not root or the guardian's own user.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import ccxt
import pytest

from botguard.guardian.wire import socket_path
from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, LONG, botguard, scenario, sim_account, wait_for, write_config

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def kill_cli(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        botguard("kill", "--yes", "--config", str(config)),
        cwd=cwd,
        env={**os.environ, **CANARIES},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def kill_runs(state: Path) -> list[Any]:
    with Journal(state) as journal:
        return journal.runs("kill")


def test_kill_through_a_running_watch_ends_verified_flat(tmp_path: Path, spawn: Any) -> None:
    with run_sim(scenario(sim_account("main", **LONG))) as sim:
        config = write_config(tmp_path, sim.url)
        watch = spawn("watch", "--config", str(config), cwd=tmp_path)
        wait_for(lambda: socket_path(tmp_path / "state").exists(), 60, "the guardian's socket")

        done = kill_cli(config, tmp_path)
        account = sim.state()["accounts"]["main"]

    assert done.returncode == 0, done.stderr
    assert f"kill running in the guardian (pid {watch.pid}" in done.stderr
    assert "close " in done.stderr  # the kill's steps streamed as it ran
    assert "main: flat" in done.stdout  # the same report table as the cold path
    assert account["positions"] == []
    (run,) = kill_runs(tmp_path / "state")
    assert run.status == "flat"
    assert oct(socket_path(tmp_path / "state").stat().st_mode & 0o777) == "0o600"


def test_kill_without_a_watch_runs_cold_with_the_same_outcome(tmp_path: Path) -> None:
    with run_sim(scenario(sim_account("main", **LONG))) as sim:
        config = write_config(tmp_path, sim.url)
        done = kill_cli(config, tmp_path)
        account = sim.state()["accounts"]["main"]

    assert done.returncode == 0, done.stderr
    assert "guardian" not in done.stderr
    assert "main: flat" in done.stdout
    assert account["positions"] == []


def place_foreign_order(sim: SimHandle) -> None:
    """Someone else uses the key: an order without the bot's client id prefix (a trip)."""
    ex = ccxt.binanceusdm(
        {
            "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        }
    )
    ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
    ex.load_markets()
    ex.create_order(BTC, "limit", "buy", 0.1, 18_000, {"clientOrderId": "web_x1"})


def test_a_kill_during_a_trips_kill_joins_it(tmp_path: Path, spawn: Any) -> None:
    with run_sim(scenario(sim_account("main", **LONG))) as sim:
        config = write_config(tmp_path, sim.url)
        spawn("watch", "--config", str(config), cwd=tmp_path)
        wait_for(lambda: socket_path(tmp_path / "state").exists(), 60, "the guardian's socket")
        place_foreign_order(sim)
        # From here every answer takes 0.8 s, so the trip's kill outlasts the CLI's
        # start (under coverage on a loaded CI box that was once > the whole kill at 0.15 s).
        sim.server.latency_s = 0.8
        wait_for(lambda: any(r["method"] == "DELETE" for r in sim.log()), 60, "the trip's kill")

        done = kill_cli(config, tmp_path)
        account = sim.state()["accounts"]["main"]

    assert done.returncode == 0, done.stderr
    assert "joined the kill already running" in done.stderr
    assert account["positions"] == []
    assert account["open_orders"] == []
    (run,) = kill_runs(tmp_path / "state")  # one kill, not two
    assert run.status == "flat"
    assert "watch tripped (foreign_order)" in run.summary["reason"]
