"""The pid file belongs to the bot: it can never turn the kill switch against its host.

Every test runs `botguard kill` as its own process against the sim. Pid files of 0,
-1 and 1 run inside a pid namespace (tests/kill/procs.py), with a witness process
beside botguard: today's signal to 0 or -1 would take the witness with it (and, outside
a namespace as root, the whole machine), so they are never run unsandboxed.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from botguard.testing.sim import run_sim

from .conftest import bg_account, sim_account
from .procs import (
    alive,
    bot_argv,
    botguard_argv,
    can_sandbox,
    run_botguard,
    sandboxed,
    spawn_bot,
    stop,
    write_config,
)

pytestmark = pytest.mark.sim

ORDER = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"}
STILL_RUNNING = "the bot may still be running"


def scenario() -> dict[str, Any]:
    return {"account": [sim_account(spot={"USDT": "1000"}, orders=[ORDER])]}


def kill_config(tmp_path: Path, url: str, pid: int | str, **bot: Any) -> Path:
    pidfile = tmp_path / "bot.pid"
    pidfile.write_text(f"{pid}\n", encoding="utf-8")
    return write_config(
        tmp_path,
        [bg_account(url, markets=["spot"])],
        bot={"pidfile": pidfile, **bot},
        kill={"grace_s": 30},  # today's SIGKILL would come after the test gave up: never sent
    )


def assert_refused(done: subprocess.CompletedProcess[str], state: dict[str, Any]) -> None:
    """Cancelled anyway, then exit 1 and one stderr line saying the bot may still run."""
    assert state["accounts"]["main"]["open_orders"] == []
    assert done.returncode == 1, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert STILL_RUNNING in line
    assert "refused" in done.stdout


@pytest.mark.skipif(not can_sandbox(), reason="needs unshare (user + pid namespaces)")
@pytest.mark.parametrize("pid", ["0", "-1", "1"])
def test_pid_0_minus_1_and_1_are_never_signalled(tmp_path: Path, pid: str) -> None:
    with run_sim(scenario()) as sim:
        config = kill_config(tmp_path, sim.url, pid)
        kill_argv = " ".join(botguard_argv("kill", "--yes", "-c", str(config)))
        script = (
            "sleep 300 & W=$!\n"
            f"{kill_argv}; rc=$?\n"
            'if kill -0 "$W" 2>/dev/null; then echo WITNESS-ALIVE; kill "$W"; fi\n'
            'exit "$rc"\n'
        )
        done = sandboxed(script, cwd=tmp_path)
        state = sim.state()
    assert "WITNESS-ALIVE" in done.stdout, (done.stdout, done.stderr)
    assert_refused(done, state)


def test_the_test_runners_own_pid_is_never_signalled(tmp_path: Path) -> None:
    """pytest is botguard's parent here: refused, and pytest receives no signal."""
    received: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGTERM, record)
    try:
        import os

        with run_sim(scenario()) as sim:
            config = kill_config(tmp_path, sim.url, os.getpid())
            done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path, timeout=20)
            state = sim.state()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert received == []
    assert_refused(done, state)
    assert "botguard's parent" in done.stdout


@pytest.mark.parametrize(
    "bot",
    [
        pytest.param({"command": ["python3", "gridbot.py"]}, id="command-differs"),
        pytest.param({"user": "nobody"}, id="owner-differs"),
    ],
)
def test_a_foreign_process_is_not_signalled(tmp_path: Path, bot: dict[str, Any]) -> None:
    foreign = subprocess.Popen(["sleep", "300"])
    try:
        with run_sim(scenario()) as sim:
            config = kill_config(tmp_path, sim.url, foreign.pid, **bot)
            done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path)
            state = sim.state()
        assert alive(foreign)
        assert_refused(done, state)
    finally:
        stop(foreign)


def test_the_real_bot_is_stopped_and_the_halt_reads_as_sentences(tmp_path: Path) -> None:
    """command and user match: SIGTERM, it exits, exit 0; the halt is said in words."""
    import getpass

    bot, pidfile = spawn_bot(tmp_path)
    try:
        with run_sim(scenario()) as sim:
            config = kill_config(
                tmp_path, sim.url, bot.pid, command=bot_argv(tmp_path), user=getpass.getuser()
            )
            done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path)
        assert done.returncode == 0, (done.stdout, done.stderr)
        assert bot.wait(timeout=5) == -signal.SIGTERM
        flag = tmp_path / "state" / "HALTED"
        assert f"halt flag raised at {flag}" in done.stdout
        assert f"bot pid {bot.pid} (from {pidfile}): SIGTERM -> exited" in done.stdout
        assert "{" not in done.stdout.split("main:")[0]  # no raw dict before the tables
    finally:
        stop(bot)
