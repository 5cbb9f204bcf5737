"""The journal: runs, steps, attestations and events survive reopening, secrets never do."""

from __future__ import annotations

import contextlib
import stat
import subprocess
import sys
from collections.abc import Iterator
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
    path = tmp_path / "state" / "journal.sqlite3"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)  # widened by someone: narrowed again on the next open
    Journal(tmp_path / "state").close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


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


READER = """
import sys
from pathlib import Path
from botguard.journal import Journal
with Journal(Path(sys.argv[1])) as journal:
    journal.runs()
    print("open", flush=True)
    sys.stdin.readline()
"""


@contextlib.contextmanager
def reader_in_another_process(state: Path) -> Iterator[None]:
    """What `botguard status` (or a test polling for a run) does: open, read and, when
    the block ends, close the journal; in a process of its own."""
    with subprocess.Popen([sys.executable, "-c", READER, str(state)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as proc:  # fmt: skip
        assert proc.stdin is not None
        assert proc.stdout is not None
        assert proc.stdout.readline() == "open\n"
        yield
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0


def test_a_kill_survives_readers_while_its_process_has_the_journal_open_twice(
    tmp_path: Path,
) -> None:
    """The guardian kills with one connection and follows the kill's steps with a second;
    readers in other processes must not lose the kill's writes. (Opening the file
    outside SQLite, to chmod it, dropped the process's POSIX locks: a reader closing
    took itself for the last user and deleted the write-ahead log the kill went on
    writing to, and no one put those writes back into the database.)"""
    kill = Journal(tmp_path)
    kill.start_run("r1", "kill")
    kill.add_step("r1", "halt", "halt", "ok", {})
    with Journal(tmp_path) as follower:
        assert [r.id for r in follower.runs("kill")] == ["r1"]
        with reader_in_another_process(tmp_path):
            pass
        kill.add_step("r1", "close", "bg-r1-1", "ok", {})
        kill.finish_run("r1", "flat", {"closed": 1})
        with reader_in_another_process(tmp_path):  # open while the guardian's close
            kill.close()
            follower.close()
    with Journal(tmp_path) as journal:
        (run,) = journal.runs("kill")
        assert run.status == "flat"
        assert [s["action"] for s in journal.steps("r1")] == ["halt", "close"]
