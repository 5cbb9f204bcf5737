"""The demo's workspace (real git, real files) and its kill-phase timings (real journal)."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from botguard.config import load_config
from botguard.demo.phases import kill_phases
from botguard.demo.workspace import new_credential, write_workspace
from botguard.journal import Journal
from botguard.secrets.refs import resolve_account


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def test_workspace_config_resolves_and_the_key_hides_only_in_history(tmp_path: Path) -> None:
    key, secret = new_credential("t:key"), new_credential("t:secret")

    ws, history = write_workspace(
        tmp_path / "ws", sim_url="http://127.0.0.1:9", api_key=key, secret=secret
    )

    cfg = load_config(ws.config)
    resolved = resolve_account(cfg.account[0])
    assert resolved["api_key"] == key
    assert resolved["secret"] == secret
    assert cfg.account[0].keep == ["BNB"]
    assert cfg.bot.pidfile == ws.pidfile
    assert stat.S_IMODE(ws.env.stat().st_mode) == 0o600
    assert key.reveal() not in ws.config.read_text()
    # the working tree is clean; the commit that added config.json still has the key
    assert not (ws.repo / "config.json").exists()
    assert key.reveal() in _git(ws.repo, "show", f"{history.leaked}:config.json")
    deleted = _git(ws.repo, "log", "--diff-filter=D", "--format=%H", "--", "config.json")
    assert deleted.split() == [history.removed]
    assert len(_git(ws.repo, "rev-list", "--all").split()) == 3


def test_credentials_are_fresh_64_char_values_each_time() -> None:
    values = {new_credential("t:k").reveal() for _ in range(3)}
    assert len(values) == 3
    assert all(len(v) == 64 and v.isalnum() for v in values)


def _journal_run(state: Path, actions: list[str]) -> str:
    with Journal(state) as journal:
        journal.start_run("r1", "kill")
        for i, action in enumerate(actions):
            journal.add_step("r1", action, f"k{i}", "ok", {})
        journal.finish_run("r1", "flat", {})
    return "r1"


def test_phases_follow_the_journal_in_order(tmp_path: Path) -> None:
    run = _journal_run(tmp_path, ["halt", "round", "cancel", "cancel", "close", "sell"])

    phases = kill_phases(tmp_path, run)

    assert [name for name, _ in phases] == ["halt", "read", "cancel", "flatten", "verify", "total"]
    assert all(seconds >= 0 for _, seconds in phases)
    assert phases[-1][1] >= sum(seconds for _, seconds in phases[:-1]) - 1e-6


def test_phases_leave_out_what_an_already_flat_kill_never_did(tmp_path: Path) -> None:
    run = _journal_run(tmp_path, ["halt"])

    assert [name for name, _ in kill_phases(tmp_path, run)] == ["halt", "verify", "total"]
    assert kill_phases(tmp_path, "no-such-run") == []
