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

from botguard.testing.canary import CANARIES
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
    spawn_foreign,
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
    foreign = spawn_foreign()
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


FAKE_SYSTEMCTL = """#!/bin/sh
# systemd does not run here: this stands in for systemctl (show MainPID, stop)
echo "$*" >> "$(dirname "$0")/calls"
case "$1" in
  show) echo "$FAKE_MAIN_PID" ;;
  stop) exit 0 ;;
esac
"""


def fake_systemctl(tmp_path: Path, main_pid: int) -> dict[str, str]:
    """PATH with a fake systemctl first (a mock: no systemd in this container)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "systemctl"
    script.write_text(FAKE_SYSTEMCTL, encoding="utf-8")
    script.chmod(0o755)
    import os

    return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_MAIN_PID": str(main_pid)}


def test_with_a_unit_only_its_main_pid_is_signalled(tmp_path: Path) -> None:
    bot, _ = spawn_bot(tmp_path)
    foreign = spawn_foreign()
    try:
        with run_sim(scenario()) as sim:
            env = fake_systemctl(tmp_path, main_pid=bot.pid)
            config = kill_config(tmp_path, sim.url, foreign.pid, service="gridbot.service")
            refused = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path, env=env)
            config = kill_config(tmp_path, sim.url, bot.pid, service="gridbot.service")
            accepted = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path, env=env)
            state = sim.state()
        assert alive(foreign)
        assert_refused(refused, state)
        assert "not in [bot] service gridbot.service" in refused.stdout
        assert accepted.returncode == 0, (accepted.stdout, accepted.stderr)
        assert "unit gridbot.service stopped" in accepted.stdout
        assert bot.wait(timeout=5) == -signal.SIGTERM
        calls = (tmp_path / "bin" / "calls").read_text().splitlines()
        assert calls[:2] == [
            "show --property=MainPID --value -- gridbot.service",  # before the stop
            "stop -- gridbot.service",
        ]
    finally:
        stop(foreign)
        stop(bot)


def _can_drop_to_nobody() -> bool:
    import os
    import shutil

    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def _nobody_can_read_the_checkout() -> bool:
    """botguard runs as nobody from this checkout: every folder above it must let others
    in (a checkout inside `mktemp -d`, mode 0700, does not)."""
    here = Path(__file__).resolve()
    return all(folder.stat().st_mode & 0o001 for folder in here.parents)


@pytest.mark.skipif(not _can_drop_to_nobody(), reason="needs root and setpriv")
@pytest.mark.skipif(
    not _nobody_can_read_the_checkout(),
    reason="user nobody cannot reach this checkout (a folder above it is not o+x)",
)
def test_a_bot_botguard_may_not_signal_is_reported_still_running(tmp_path: Path) -> None:
    """botguard runs as nobody, the bot as root: EPERM; cancelled anyway, exit 1."""
    import os
    import pwd
    import shutil
    import tempfile

    bot, _ = spawn_bot(tmp_path)
    home = Path(tempfile.mkdtemp(prefix="botguard-eperm-"))
    try:
        home.chmod(0o755)
        nobody = pwd.getpwnam("nobody")
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
        with run_sim(scenario()) as sim:
            config = kill_config(home, sim.url, bot.pid)
            for path in (config, home / "bot.pid"):
                path.chmod(0o644)
            done = subprocess.run(
                ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                 *botguard_argv("kill", "--yes", "-c", str(config))],
                capture_output=True, text=True, check=False, cwd=home, timeout=60,
                env={**os.environ, **CANARIES},
            )  # fmt: skip
            state = sim.state()
        assert alive(bot)
        assert done.returncode == 1, (done.stdout, done.stderr)
        assert "not permitted to signal it (EPERM)" in done.stderr
        assert STILL_RUNNING in done.stderr
        assert state["accounts"]["main"]["open_orders"] == []
    finally:
        stop(bot)
        shutil.rmtree(home, ignore_errors=True)


def test_no_pid_file_means_the_bot_was_not_identified_and_never_exit_0(tmp_path: Path) -> None:
    """Issue 14: no pid file written, the kill could not stop the bot and said "flat"."""
    with run_sim(scenario()) as sim:
        config = kill_config(tmp_path, sim.url, 4242)
        (tmp_path / "bot.pid").unlink()
        done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path)
        state = sim.state()
    assert state["accounts"]["main"]["open_orders"] == []
    assert done.returncode == 1, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert f"{STILL_RUNNING}: bot pid file {tmp_path / 'bot.pid'}: no pid file there" in line
