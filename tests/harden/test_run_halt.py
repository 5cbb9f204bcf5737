"""`botguard run` honours the halt flag while the bot runs, and writes the bot's pid file.

Real processes throughout: `botguard run` (audit stubbed, see run_driver.py), a
sleeping bot script, the halt flag on disk, `botguard kill` against a real sim.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from botguard.halt import set_halt
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

HERE = Path(__file__).parent
DRIVER = HERE / "run_driver.py"
SLEEPER = """
import pathlib, signal, sys, time
if "--ignore-term" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
pathlib.Path(__file__).with_suffix(".ready").touch()
time.sleep(120)
"""


def write_config(tmp_path: Path, *, grace_s: float = 5.0, account: str = "") -> Path:
    """A config whose bot is the sleeper, with a pid file; no [bot] user (any owner)."""
    script = tmp_path / "sleeper.py"
    script.write_text(SLEEPER, encoding="utf-8")
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
command = ["{sys.executable}", "{script}"]
pidfile = "{tmp_path / "run" / "bot.pid"}"

[state]
dir = "{tmp_path / "state"}"

[kill]
grace_s = {grace_s}
deadline_s = 15
{account}
""",
        encoding="utf-8",
    )
    (tmp_path / "run").mkdir(exist_ok=True)
    return path


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if "canary" not in k.lower()}
    out.update(CANARIES)
    return out


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """A failed test leaves no `run` behind (its bot dies with it: PR_SET_PDEATHSIG)."""
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def start_run(config: Path, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, str(DRIVER), "run", "--config", str(config), *args]
    proc = subprocess.Popen(argv, env=env(), stderr=subprocess.PIPE, text=True)
    STARTED.append(proc)
    return proc


def wait_for_pid(pidfile: Path, timeout_s: float = 20.0) -> int:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            return int(pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            time.sleep(0.02)
    raise AssertionError(f"no pid file at {pidfile}")


def wait_ready(marker: Path, timeout_s: float = 20.0) -> None:
    """Until the sleeper says it is ready (a fixed sleep raced its start under load)."""
    end = time.monotonic() + timeout_s
    while not marker.exists():
        if time.monotonic() > end:
            raise AssertionError(f"the bot never wrote {marker}")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def finish(proc: subprocess.Popen[str], timeout_s: float) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"`botguard run` did not exit within {timeout_s} s: {err}") from None
    for value in CANARIES.values():
        assert value not in err
    return proc.returncode, err


def test_the_pid_file_names_the_bot_and_goes_when_the_bot_exits(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    pidfile = tmp_path / "run" / "bot.pid"
    proc = start_run(config)
    pid = wait_for_pid(pidfile)
    assert pid != proc.pid  # the bot's, not run's
    assert "sleeper.py" in Path(f"/proc/{pid}/cmdline").read_text()
    assert pidfile.stat().st_mode & 0o777 == 0o644
    os.kill(pid, 15)
    code, _ = finish(proc, 10)
    assert code == 128 + 15
    assert not pidfile.exists()


def test_raising_the_flag_stops_a_running_bot_within_the_grace(tmp_path: Path) -> None:
    config = write_config(tmp_path, grace_s=5)
    proc = start_run(config)
    pid = wait_for_pid(tmp_path / "run" / "bot.pid")
    raised = time.monotonic()
    set_halt(tmp_path / "state", "test", by="test")
    code, err = finish(proc, 5)
    assert time.monotonic() - raised < 4.0  # SIGTERM was enough: the 5 s grace not waited out
    assert not alive(pid)
    assert code == 128 + 15
    assert "halt flag" in err
    assert not (tmp_path / "run" / "bot.pid").exists()


def test_a_bot_ignoring_sigterm_gets_sigkill_after_the_grace(tmp_path: Path) -> None:
    config = write_config(tmp_path, grace_s=0.5)
    proc = start_run(config, "--", sys.executable, str(tmp_path / "sleeper.py"), "--ignore-term")
    pid = wait_for_pid(tmp_path / "run" / "bot.pid")
    wait_ready(tmp_path / "sleeper.ready")  # its handler is set: SIGTERM is ignored from now
    set_halt(tmp_path / "state", "test", by="test")
    code, err = finish(proc, 5)
    assert not alive(pid)
    assert code == 128 + 9
    assert "SIGKILL" in err


def test_a_symlink_at_the_pid_file_path_is_replaced_not_followed(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    pidfile = tmp_path / "run" / "bot.pid"
    pidfile.symlink_to(victim)
    proc = start_run(config)
    end = time.monotonic() + 20
    while pidfile.is_symlink() and time.monotonic() < end:
        time.sleep(0.02)
    pid = wait_for_pid(pidfile)
    assert not pidfile.is_symlink()
    assert victim.read_text() == "precious\n"
    os.kill(pid, 15)
    finish(proc, 10)


def test_a_pid_file_in_a_missing_directory_is_refused_before_the_bot_starts(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path)
    config.write_text(config.read_text().replace(str(tmp_path / "run"), str(tmp_path / "nope")))
    proc = start_run(config)
    code, err = finish(proc, 20)
    assert code == 2
    assert "pidfile" in err
    assert "Traceback" not in err


@pytest.mark.sim
def test_kill_stops_the_bot_run_started_and_run_exits(tmp_path: Path) -> None:
    scenario: dict[str, Any] = {
        "account": [
            {
                "name": "main",
                "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
                "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
                "permissions": {"spot": True, "futures": True},
                "spot": {"USDT": "100"},
            }
        ]
    }
    with run_sim(scenario) as sim:
        account = f"""
[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
base_url = "{sim.url}"
"""
        config = write_config(tmp_path, grace_s=5, account=account)
        proc = start_run(config)
        pid = wait_for_pid(tmp_path / "run" / "bot.pid")
        kill = subprocess.run(
            [sys.executable, "-m", "botguard", "kill", "--yes", "--config", str(config)],
            env=env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        code, _ = finish(proc, 5)
    for value in CANARIES.values():
        assert value not in kill.stdout + kill.stderr
    # whichever stops it first: the kill (SIGTERM), or run, which saw the kill's flag
    # (then the pid file lingers so the kill reads "not running", not "no pid file")
    pidfile = re.escape(str(tmp_path / "run" / "bot.pid"))
    line = rf"halt: bot pid {pid} \(from {pidfile}\): (SIGTERM -> exited|not running)\n"
    assert re.search(line, kill.stdout), kill.stdout + kill.stderr
    assert kill.returncode == 0, kill.stdout + kill.stderr
    assert not alive(pid)
    assert code == 128 + 15
