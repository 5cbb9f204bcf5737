"""A bot that ignores SIGTERM does not hold the cancels back for its grace period.

The kill signals the bot, gives it STOP_HEAD_START_S to go, and then cancels and
flattens while the bot is still being stopped; once the bot is gone (SIGKILL after
[kill] grace_s) each account is read again, so "flat" is only said of books no
running bot could still change. Before, the first cancel went out only after the
whole grace period.

The sim's log is compared with the moment the bot died (a thread waits on it), not with
the moment `botguard kill` was started: under load a process's start-up alone took 2.5 s.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from .conftest import bg_account, sim_account
from .procs import run_botguard, stop, write_config

pytestmark = pytest.mark.sim

GRACE_S = 4.0
STUBBORN = (
    "import pathlib, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "pathlib.Path(sys.argv[1]).touch()\n"
    "time.sleep(120)\n"
)
ORDER = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"}


def spawn_stubborn_bot(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    script, ready = tmp_path / "stubborn.py", tmp_path / "bot.ready"
    script.write_text(STUBBORN, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(ready)])
    end = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < end:
        time.sleep(0.01)
    pidfile = tmp_path / "bot.pid"
    pidfile.write_text(f"{proc.pid}\n", encoding="utf-8")
    return proc, pidfile


def died_at_ms(proc: subprocess.Popen[bytes]) -> Callable[[], float]:
    """The wall-clock time (ms, as the sim logs it) `proc` ended; ask after it has."""
    ended: list[float] = []

    def wait() -> None:
        proc.wait()
        ended.append(time.time() * 1000)

    watcher = threading.Thread(target=wait, daemon=True)
    watcher.start()

    def result() -> float:
        watcher.join(timeout=30)
        return ended[0]

    return result


def test_cancels_go_out_while_a_stubborn_bot_is_still_being_stopped(tmp_path: Path) -> None:
    from botguard.testing.sim import run_sim

    bot, pidfile = spawn_stubborn_bot(tmp_path)
    bot_died_ms = died_at_ms(bot)
    scenario = {"account": [sim_account(spot={"USDT": "1000", "ETH": "1"}, orders=[ORDER])]}
    try:
        with run_sim(scenario) as sim:
            config = write_config(
                tmp_path, [bg_account(sim.url, markets=["spot"])],
                bot={"pidfile": pidfile}, kill={"grace_s": GRACE_S, "deadline_s": 20},
            )  # fmt: skip
            done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path)
            log, state = sim.log(), sim.state()["accounts"]["main"]
        assert done.returncode == 0, done.stderr
        assert bot.wait(timeout=5) == -9  # it ignored SIGTERM: SIGKILL after the grace
        first_cancel = min(e["ts"] for e in log if e["method"] == "DELETE")
        assert first_cancel < bot_died_ms()  # while it was still being stopped
        last_read = max(e["ts"] for e in log if e["method"] == "GET")
        assert last_read > bot_died_ms()  # flat was read with the bot gone
        assert state["open_orders"] == []
        assert {a for a, b in state["spot"].items() if Decimal(b["free"]) > 0} <= {"USDT"}
        assert "SIGKILL" in done.stdout
    finally:
        stop(bot)
