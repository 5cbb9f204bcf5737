"""`botguard run`: a real child process, real signals, a real heartbeat file.

Only the audit is a stub (see run_driver.py for why); the rest runs as a user
would run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.halt import set_halt
from botguard.testing.canary import CANARIES

WriteConfig = Callable[..., Path]
HERE = Path(__file__).parent
DRIVER = HERE / "run_driver.py"
BOT = HERE / "bot.py"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def run_argv(config: Path, *args: str) -> list[str]:
    return [sys.executable, str(DRIVER), "run", "--config", str(config), *args]


def bot_argv(report: Path, *args: str) -> list[str]:
    return ["--", sys.executable, str(BOT), str(report), *args]


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "canary" not in k.lower()}
    env.update(CANARIES)
    env.update(extra)
    return env


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, env=env or env_with(), capture_output=True, text=True, timeout=60, check=False
    )
    for value in CANARIES.values():
        assert value not in proc.stdout + proc.stderr
    return proc


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return tmp_path / "bot-report.json"


def test_env_mode_hands_each_secret_over_once_under_its_name(
    write_config: WriteConfig, report: Path
) -> None:
    path = write_config()
    path.write_text(path.read_text().replace("env:BOTGUARD_CANARY_", "env:bg_canary_"))
    env = {k: v for k, v in env_with().items() if not k.startswith("BOTGUARD_CANARY_")}
    env.update({k.replace("BOTGUARD_CANARY_", "bg_canary_"): v for k, v in CANARIES.items()})
    proc = run(run_argv(path, *bot_argv(report)), env)
    assert proc.returncode == 0, proc.stderr
    assert "secrets in its environment: BG_CANARY_API_KEY, BG_CANARY_SECRET" in proc.stderr
    got = json.loads(report.read_text())["env"]
    assert got == {
        k.replace("BOTGUARD_CANARY_", "BG_CANARY_"): digest(v) for k, v in CANARIES.items()
    }


def test_dir_mode_gives_a_private_credentials_dir_and_removes_it(
    write_config: WriteConfig, report: Path
) -> None:
    proc = run(run_argv(write_config(), "--secrets", "dir", *bot_argv(report)))
    assert proc.returncode == 0, proc.stderr
    state = json.loads(report.read_text())
    assert state["env"] == {}
    creds = state["creds"]
    assert creds["dir_mode"] == "0o700"
    assert creds["file_modes"] == ["0o400"]
    assert creds["files"] == {k: digest(v) for k, v in CANARIES.items()}
    assert not Path(creds["dir"]).exists()


def test_exit_code_is_the_childs(write_config: WriteConfig, report: Path) -> None:
    proc = run(run_argv(write_config(), *bot_argv(report, "--exit", "7")))
    assert proc.returncode == 7


def test_command_defaults_to_bot_command(write_config: WriteConfig, report: Path) -> None:
    path = write_config(command=[sys.executable, str(BOT), str(report), "--exit", "3"])
    proc = run(run_argv(path))
    assert proc.returncode == 3
    assert report.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_reach_the_child_once(
    write_config: WriteConfig, report: Path, sig: signal.Signals
) -> None:
    argv = run_argv(write_config(), *bot_argv(report, "--wait", "30"))
    proc = subprocess.Popen(argv, env=env_with(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert report.exists(), "the bot never started"
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == 41
    proc.communicate()
    assert json.loads(report.read_text())["signals"] == [sig.name]


def test_heartbeat_is_refreshed_while_the_child_runs(
    write_config: WriteConfig, report: Path, tmp_path: Path
) -> None:
    heartbeat = tmp_path / "heartbeat"
    argv = run_argv(write_config(), *bot_argv(report, "--wait", "30"))
    proc = subprocess.Popen(argv, env=env_with(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen: set[int] = set()
    deadline = time.monotonic() + 30
    while len(seen) < 3 and time.monotonic() < deadline:
        if heartbeat.exists():
            seen.add(heartbeat.stat().st_mtime_ns)
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert len(seen) >= 3


def test_failing_check_blocks_the_start_and_says_how_to_fix(
    write_config: WriteConfig, report: Path
) -> None:
    findings = json.dumps([["key.withdrawals_disabled", "fail"], ["host.clock_synced", "pass"]])
    env = env_with(BOTGUARD_TEST_FINDINGS=findings)
    proc = run(run_argv(write_config(), *bot_argv(report)), env)
    assert proc.returncode == 1
    assert not report.exists()
    assert "refusing to start: key.withdrawals_disabled (fail)" in proc.stderr
    assert "fix: remedy for key.withdrawals_disabled" in proc.stderr
    assert "key [REDACTED] has [bold]withdraw[/bold]" in proc.stderr
    allowed = run(
        run_argv(write_config(), "--allow", "key.withdrawals_disabled", *bot_argv(report)), env
    )
    assert allowed.returncode == 0
    assert "allowed by --allow: key.withdrawals_disabled" in allowed.stderr
    assert report.exists()


def test_halt_flag_blocks_the_start_without_auditing(
    write_config: WriteConfig, report: Path, tmp_path: Path
) -> None:
    set_halt(tmp_path / "state", "kill switch drill", by="kill")
    marker = tmp_path / "audited"
    proc = run(
        run_argv(write_config(), *bot_argv(report)),
        env_with(BOTGUARD_TEST_AUDIT_MARKER=str(marker)),
    )
    assert proc.returncode == 1
    assert "the halt flag is raised" in proc.stderr
    assert "kill switch drill" in proc.stderr
    assert not report.exists()
    assert not marker.exists()


def test_check_runs_the_gate_only(write_config: WriteConfig, report: Path, tmp_path: Path) -> None:
    marker = tmp_path / "audited"
    path = write_config(command=[sys.executable, str(BOT), str(report)])
    proc = run(run_argv(path, "--check"), env_with(BOTGUARD_TEST_AUDIT_MARKER=str(marker)))
    assert proc.returncode == 0
    assert "gate passed" in proc.stderr
    assert marker.exists()
    assert not report.exists()


def test_unresolvable_secret_exits_2_and_names_the_reference(
    write_config: WriteConfig, report: Path
) -> None:
    env = {k: v for k, v in env_with().items() if k != "BOTGUARD_CANARY_SECRET"}
    proc = run(run_argv(write_config(), *bot_argv(report)), env)
    assert proc.returncode == 2
    assert "env:BOTGUARD_CANARY_SECRET" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not report.exists()


def test_no_command_anywhere_is_a_usage_error(write_config: WriteConfig) -> None:
    proc = run(run_argv(write_config(command=[])))
    assert proc.returncode == 2
    assert "no command to run" in proc.stderr


def test_missing_executable_is_a_usage_error(write_config: WriteConfig, tmp_path: Path) -> None:
    proc = run(run_argv(write_config(), "--", str(tmp_path / "no-such-bot")))
    assert proc.returncode == 2
    assert "cannot start" in proc.stderr
