"""The journal: runs, steps, attestations and events survive reopening, secrets never do."""

from __future__ import annotations

import stat
from pathlib import Path

from botguard.journal import Journal
from botguard.secrets.secret import Secret


def test_runs_and_steps_persist_across_processes(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.start_run("r1", "drill")
        journal.add_step("r1", "cancel", "BTC/USDT", "ok", {"orders": 3})
        journal.add_step("r1", "sell", "bg-r1-1", "filled", {"amount": "0.5"})
        journal.finish_run("r1", "flat", {"seconds": 1.5})
    with Journal(tmp_path) as journal:
        (run,) = journal.runs("drill")
        assert run.status == "flat"
        assert run.finished_at is not None
        assert run.summary == {"seconds": 1.5}
        assert [s["seq"] for s in journal.steps("r1")] == [1, 2]
        assert journal.runs("kill") == []


def test_journal_file_is_private(tmp_path: Path) -> None:
    Journal(tmp_path / "state").close()
    mode = stat.S_IMODE((tmp_path / "state" / "journal.sqlite3").stat().st_mode)
    assert mode == 0o600


def test_attestations_newest_first(tmp_path: Path) -> None:
    with Journal(tmp_path) as journal:
        journal.attest("exchange.two_factor", "alice", "hardware key")
        journal.attest("exchange.two_factor", "bob")
        got = journal.attestations("exchange.two_factor")
    assert [a.who for a in got] == ["bob", "alice"]


def test_secret_values_are_redacted_before_writing(tmp_path: Path) -> None:
    value = "journalSECRETvalue1234567890"
    Secret("env:J", value)
    with Journal(tmp_path) as journal:
        journal.add_event("trip", {"evidence": f"saw {value} in a log"}, account="main")
        journal.attest("exchange.alerts", "me", f"note {value}")
    raw = (tmp_path / "journal.sqlite3").read_bytes()
    assert value.encode() not in raw
    with Journal(tmp_path) as journal:
        assert "[REDACTED]" in journal.events("trip")[0]["detail"]["evidence"]
