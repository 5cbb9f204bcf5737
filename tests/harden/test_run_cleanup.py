"""`botguard run` leaves nothing behind and hands the bot only what it needs.

Real processes throughout (the audit is the stub of run_driver.py): `run` is
SIGKILLed and the bot must die with it; the credentials dir it leaves is removed
by the next `run`; the bot's environment holds its secrets and none of botguard's
own credentials (Vault token, keyring settings, alert URLs).
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from botguard.harden.creds_dir import remove_stale_credentials
from tests.harden.test_run import bot_argv, env_with, run, run_argv

WriteConfig = Callable[..., Path]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux prctl")


def is_alive(pid: int) -> bool:
    """The pid exists and is not a zombie waiting for a reaper."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_for(report: Path, timeout_s: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if report.exists():
            try:
                state: dict[str, object] = json.loads(report.read_text())
                return state
            except json.JSONDecodeError:
                pass
        time.sleep(0.02)
    raise AssertionError("the bot never started")


@pytest.fixture
def started(write_config: WriteConfig, tmp_path: Path) -> Iterator[Callable[..., tuple]]:
    """Start `run --secrets dir` with a waiting bot; every process is reaped at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    pids: list[int] = []

    def start(name: str = "report.json") -> tuple[subprocess.Popen[bytes], dict[str, object]]:
        report = tmp_path / name
        argv = run_argv(write_config(), "--secrets", "dir", *bot_argv(report, "--wait", "60"))
        proc = subprocess.Popen(argv, env=env_with(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)  # fmt: skip
        procs.append(proc)
        state = wait_for(report)
        pids.append(int(str(state["pid"])))
        return proc, state

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()  # run forwards it, the bot exits, run removes its dir
        proc.communicate(timeout=30)
    for pid in pids:
        if is_alive(pid):
            os.kill(pid, signal.SIGKILL)
    remove_stale_credentials()  # what the killed runs left (the canary guard checks)


def test_sigkill_of_run_stops_the_bot_within_a_second(started: Callable[..., tuple]) -> None:
    proc, state = started()
    bot = int(state["pid"])
    assert is_alive(bot)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 1.0
    while is_alive(bot) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not is_alive(bot), "the bot kept running after botguard run died"


def test_next_run_removes_the_credentials_dir_a_killed_run_left(
    started: Callable[..., tuple], write_config: WriteConfig, tmp_path: Path
) -> None:
    proc, state = started()
    creds = Path(state["creds"]["dir"])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert creds.exists(), "nothing was left to clean (the test proves nothing)"
    again = run(run_argv(write_config(), "--check"))
    assert again.returncode == 0, again.stderr
    assert not creds.exists(), "the stale credentials dir (with the keys) is still there"


def test_a_live_runs_credentials_dir_is_left_alone(
    started: Callable[..., tuple], write_config: WriteConfig, tmp_path: Path
) -> None:
    _, state = started()
    creds = Path(state["creds"]["dir"])
    again = run(run_argv(write_config(), "--secrets", "dir", *bot_argv(tmp_path / "r2.json")))
    assert again.returncode == 0, again.stderr
    assert creds.exists()
    assert sorted(p.name for p in creds.iterdir()) == sorted(state["creds"]["files"])


def test_run_and_its_bot_cannot_dump_a_core(started: Callable[..., tuple]) -> None:
    proc, state = started()
    limits = Path(f"/proc/{proc.pid}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]
    assert state["core_limit"] == ["0", "0"]


SCRUBBED = {
    "VAULT_TOKEN": "hvs.test-vault-token-not-for-the-bot",
    "VAULT_ADDR": "http://127.0.0.1:8200",
    "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    "KEYRING_PROPERTY_FILE_PATH": "/root/keys.cfg",
    "BG_TEST_ALERT_URL": "json://127.0.0.1:9/hook?token=not-for-the-bot",
    "BOTGUARD_DRILL_SECRET": "drill-value-not-for-the-bot",
}


@pytest.mark.parametrize("mode", ["env", "dir"])
def test_the_bot_gets_its_secrets_and_none_of_botguards_credentials(
    write_config: WriteConfig, tmp_path: Path, mode: str
) -> None:
    path = write_config(extra='\n[alerts]\nurls = ["env:BG_TEST_ALERT_URL"]\n')
    report = tmp_path / "report.json"
    env = env_with(**SCRUBBED, BOTGUARD_CONFIG=str(path), HARMLESS="kept")
    proc = run(run_argv(path, "--secrets", mode, *bot_argv(report)), env)
    assert proc.returncode == 0, proc.stderr
    names = set(json.loads(report.read_text())["env_names"])
    assert not names & set(SCRUBBED), names & set(SCRUBBED)
    assert {"HARMLESS", "BOTGUARD_CONFIG", "PATH"} <= names
    handed = {"BOTGUARD_CANARY_API_KEY", "BOTGUARD_CANARY_SECRET", "BOTGUARD_CANARY_PASSWORD"}
    if mode == "env":
        assert handed <= names
    else:
        assert not handed & names
        assert "CREDENTIALS_DIRECTORY" in names


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to the bot's user needs root")
def test_credentials_dir_belongs_to_the_bot_user(write_config: WriteConfig, tmp_path: Path) -> None:
    nobody = pwd.getpwnam("nobody")
    path = write_config()
    path.write_text(path.read_text().replace('user = "gridbot"', 'user = "nobody"'))
    report = tmp_path / "report.json"
    proc = run(run_argv(path, "--secrets", "dir", *bot_argv(report)))
    assert proc.returncode == 0, proc.stderr
    creds = json.loads(report.read_text())["creds"]
    assert creds["dir_uid"] == nobody.pw_uid
    assert creds["dir_mode"] == "0o700"


def test_kill_removes_the_credentials_dir_a_killed_run_left(
    started: Callable[..., tuple], write_config: WriteConfig, tmp_path: Path
) -> None:
    """`kill` halts first, then also clears what a killed `run` left (its exchange is down)."""
    proc, state = started()
    creds = Path(state["creds"]["dir"])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert creds.exists()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = write_config(extra=f'base_url = "http://127.0.0.1:{port}"\n')
    killed = run([sys.executable, "-m", "botguard", "kill", "--yes", "--deadline", "1",
                  "--config", str(path)])  # fmt: skip
    assert killed.returncode == 3, killed.stderr
    assert (tmp_path / "state" / "HALTED").exists()
    assert not creds.exists()
