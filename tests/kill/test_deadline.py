"""The deadline holds (issue 11, item 6): `botguard kill --deadline` as a real process
against a rate-limiting sim whose Retry-After points far past the deadline.

This is a behaviour bound, not a speed benchmark: from the process's first request to its
exit may take no longer than the deadline plus a little for writing the report and
exiting; the process's own start-up (before its first request) is measured, not bounded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

from .conftest import sim_account

pytestmark = pytest.mark.sim

DEADLINE_S = 3.0
EXIT_MARGIN_S = 2.5
"""After the deadline: render the report, journal it, close sessions, exit Python."""


def write_config(tmp: Path, url: str) -> Path:
    path = tmp / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "b"\n[state]\ndir = "{tmp / "state"}"\n'
        '[[account]]\nname = "main"\nexchange = "binance"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'markets = ["spot", "swap"]\nbase_url = "{url}"\n',
        encoding="utf-8",
    )
    return path


def test_a_rate_limited_kill_ends_by_its_deadline(tmp_path: Path) -> None:
    acct = sim_account(
        spot={"USDT": "1000", "BTC": "0.1"},
        positions=[{"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05",
                    "entry_price": "62000"}],
    )  # fmt: skip
    sim_cfg = {"limits": {"weight_per_minute": 40}}  # the first full read is over it
    with run_sim({"sim": sim_cfg, "account": [acct]}) as sim:
        t0 = time.time()  # the sim's minute has 50 s left: Retry-After ~50 s
        sim.server.limiter.clock = lambda: (int(t0 // 60) * 60 + 10) + (time.time() - t0)
        config = write_config(tmp_path, sim.url)
        argv = [sys.executable, "-m", "botguard", "kill", "--yes", "--no-halt",
                "--deadline", str(DEADLINE_S), "-c", str(config)]  # fmt: skip
        spawned = time.time()
        proc = subprocess.run(
            argv, capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        exited = time.time()
        log = sim.log()
    assert any(e["status"] == 429 for e in log)
    first = min(e["ts"] - e["ms"] for e in log) / 1000
    start_up, after_first = first - spawned, exited - first
    assert after_first < DEADLINE_S + EXIT_MARGIN_S, (start_up, after_first, proc.stderr)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("botguard: kill could not finish")
