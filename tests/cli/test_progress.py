"""Long work shows progress on a terminal and nothing when output goes to a pipe or a log."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.cli.progress import journaled_so_far
from botguard.journal import JOURNAL_NAME, Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

from .process import botguard


def _on_a_terminal(*args: str, cwd: Path) -> str:
    """Run botguard with stdout and stderr on a pseudo-terminal; everything it drew."""
    leader, follower = pty.openpty()
    env = {**os.environ, **CANARIES, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "botguard", *args],
        stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, cwd=cwd, env=env,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")


def _config(tmp_path: Path) -> Path:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    return tmp_path / "botguard.toml"


def test_audit_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    drawn = _on_a_terminal("audit", "-c", str(_config(tmp_path)), "--only", "host", cwd=tmp_path)
    assert "auditing" in drawn
    assert "fix these first" in drawn


def test_audit_and_scan_are_silent_in_a_pipe(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    audit = botguard("audit", "-c", config, "--only", "host", cwd=tmp_path)
    scan = botguard("scan", "--history", "-c", config, str(tmp_path), cwd=tmp_path)
    assert (audit.returncode, scan.returncode) == (1, 0), audit.stderr + scan.stderr
    for done in (audit, scan):
        assert "auditing:" not in done.stdout + done.stderr
        assert "scanning git history" not in done.stdout + done.stderr
        assert "\r" not in done.stdout + done.stderr


def test_scan_history_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    drawn = _on_a_terminal("scan", "--history", str(tmp_path), cwd=tmp_path)
    assert "scanning git history" in drawn


@pytest.mark.sim
def test_kill_shows_the_deadline_and_what_is_done_on_a_terminal(tmp_path: Path) -> None:
    from tests.kill.test_cli_kill import scenario, write_config

    with run_sim(scenario(), latency_ms=150) as sim:  # slow enough for a few redraws
        config = write_config(tmp_path, sim.url)
        drawn = _on_a_terminal("kill", "--yes", "-c", str(config), cwd=tmp_path)
        assert sim.state()["accounts"]  # the sim was up for the whole kill
    assert "kill (deadline 15 s)" in drawn
    assert "verify rounds: main 1" in drawn or "1 close" in drawn


def test_journaled_so_far_counts_a_real_journal(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.start_run("r1", "kill")
        journal.add_step("r1", "cancel", "k1", "ok", {})
        journal.add_step("r1", "close", "c1", "sending", {})
        journal.add_step("r1", "close", "c1", "ok", {})
        journal.add_step("r1", "round", "main:1", "ok", {"account": "main"})
    seen = journaled_so_far(tmp_path / JOURNAL_NAME, since="2000-01-01")
    assert seen == "1 cancel, 1 close; verify rounds: main 1"
    assert journaled_so_far(tmp_path / "missing.sqlite3", since="2000-01-01") == ""
