"""Ctrl-C during `botguard kill`, as a real process against a real sim.

A kill is money-touching: the first Ctrl-C (or SIGTERM) must not leave it half-done
silently. It says the kill finishes first and how to abandon it, and the kill does
finish (report, exit code). A second one abandons at once: one line of what was done
and what is left, exit 3, and the next `botguard kill --yes` resumes the same run.

The sim holds the first close order unanswered (its `timeout` fault), so the kill sits
in that request for its timeout (deadline / 4 = 15 s): time enough to press Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim
from tests.fleet.conftest import LONG, scenario, sim_account, wait_for, write_config

pytestmark = [pytest.mark.sim]

HANG_CLOSE = "POST /fapi/v1/order:n=1:timeout,POST /fapi/v1/batchOrders:n=1:timeout"


def start_kill(config: Path) -> subprocess.Popen[str]:
    text = config.read_text(encoding="utf-8").replace("deadline_s = 20", "deadline_s = 60")
    config.write_text(text, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "botguard", "kill", "--yes", "--config", str(config)],
        cwd=config.parent,
        env={**os.environ, **CANARIES, "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def closing(state: Path) -> Any:
    """The running kill run once its close order is out (and hanging), else None."""
    if not (state / "journal.sqlite3").exists():
        return None
    with Journal(state) as journal:
        run = next((r for r in journal.runs("kill") if r.status == "running"), None)
        sent = run is not None and any(s["action"] == "close" for s in journal.steps(run.id))
    return run if sent else None


def finish(proc: subprocess.Popen[str], timeout_s: float) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"still running after {timeout_s:g} s:\n{err[-3000:]}") from None


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_one_ctrl_c_lets_the_kill_finish_and_says_so(tmp_path: Path, signum: int) -> None:
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        proc = start_kill(write_config(tmp_path, sim.url))
        wait_for(lambda: closing(tmp_path / "state"), 60, "the close order to hang")
        proc.send_signal(signum)
        out, err = finish(proc, 120)  # the hung close times out (15 s), then closes
        account = sim.state()["accounts"]["main"]
    assert proc.returncode == 0, err + out
    assert "kill in progress: it finishes first (by its deadline)" in err
    assert "again to abandon it (orders may remain)" in err
    assert account["positions"] == []
    with Journal(tmp_path / "state") as journal:
        (run,) = journal.runs("kill")
    assert run.status == "flat"


def test_a_second_ctrl_c_abandons_at_once_and_the_rerun_resumes(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        config = write_config(tmp_path, sim.url)
        proc = start_kill(config)
        run = wait_for(lambda: closing(state), 60, "the close order to hang")
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert proc.poll() is None, "one Ctrl-C must not stop the kill"
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = finish(proc, 30)  # before: it waited for the hung request (15 s) and more
        took_s = time.monotonic() - started

        again = subprocess.run(
            [sys.executable, "-m", "botguard", "kill", "--yes", "--config", str(config)],
            cwd=tmp_path, env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        account = sim.state()["accounts"]["main"]
    assert proc.returncode == 3, err
    (line,) = [x for x in err.splitlines() if "abandoning" in x]
    assert line.startswith("botguard: a second stop signal: abandoning the running kill; ")
    assert f"run {run.id} did: " in line
    assert "close sent, unconfirmed" in line  # the hung order: it may yet land
    assert "not verified flat: orders and positions may remain" in line
    assert (
        f"run `botguard kill --yes` to finish it (safe to re-run: it resumes run {run.id})" in line
    )
    assert took_s < 10, f"took {took_s:.1f} s to abandon"  # at once; 10 s for a loaded box
    assert again.returncode == 0, again.stderr + again.stdout
    assert account["positions"] == []
    with Journal(state) as journal:
        (done,) = journal.runs("kill")
        (event,) = journal.events("stop_forced")
    assert done.id == run.id
    assert done.status == "flat"
    assert event["detail"]["run_id"] == run.id


@pytest.mark.parametrize("journal", ["garbage", "directory"])
def test_an_abandon_with_an_unreadable_journal_still_says_what_may_remain(
    tmp_path: Path, journal: str
) -> None:
    """The second Ctrl-C's line is written before leaving, whatever the state dir holds:
    a journal botguard cannot read (corrupt, or not a file) still gives the warning and
    the re-run advice, never an exception on the way out (its journal write is
    suppressed by the caller)."""
    from botguard.kill.interrupt import left_behind

    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    path = state / "journal.sqlite3"
    if journal == "garbage":
        path.write_bytes(b"not a database\x00" * 64)
    else:
        path.mkdir()
    line = left_behind(state)
    assert line.startswith("orders and positions may remain; run `botguard kill --yes`")
