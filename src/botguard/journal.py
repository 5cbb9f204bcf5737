"""The journal: an SQLite file in the state dir recording kill runs, drills,
attestations and guard events, so that audits can prove a drill happened and an
interrupted kill can be resumed.

Everything written here passes through the redactor first.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botguard.config import make_state_dir
from botguard.errors import ConfigError
from botguard.fsutil import open_nofollow
from botguard.secrets.redact import redact

JOURNAL_NAME = "journal.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,              -- kill | drill
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,            -- running | flat | residual | unreachable | aborted
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    key TEXT NOT NULL,               -- idempotency key, e.g. the client order id
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS steps_key ON steps(run_id, key);
CREATE TABLE IF NOT EXISTS attestations (
    check_id TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
    at TEXT NOT NULL,
    kind TEXT NOT NULL,              -- trip | state | alert ...
    account TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
"""


def _create_private(path: Path) -> None:
    """Create the journal 0600 without following a link planted at its name (or its WAL's).

    An existing journal is only stat'ed here, never opened: closing any descriptor of
    a file drops every POSIX lock this process holds on it, SQLite's included. A reader
    in another process (`botguard status`) closing meanwhile then took itself for the
    journal's last user and deleted the write-ahead log under this process's open
    connection: a guardian's kill, followed by a second connection, lost its steps and
    its result so.
    """
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        if (path.parent / name).is_symlink():
            raise ConfigError(
                f"journal {path.parent / name}: is a symlink; botguard never writes through "
                f"one; remove it (`rm {path.parent / name}`) and run again"
            )
    try:  # a new file: no connection holds a lock on it yet, so closing this is harmless
        fd = open_nofollow(path, os.O_RDWR | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        _keep_private(path)
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _keep_private(path: Path) -> None:
    """An existing journal back to 0600 if someone widened it, by name (see above)."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            f"journal {path}: is not a regular file; move it aside and run again "
            "(a fresh one is created)"
        )
    if stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(0o600)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _dump(data: dict[str, Any]) -> str:
    return redact(json.dumps(data, default=str, sort_keys=True))


@dataclass(frozen=True, slots=True)
class Run:
    """One kill run or drill."""

    id: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Attestation:
    """A person's confirmation of a box no API can show (2FA, alerts ...)."""

    check_id: str
    at: datetime
    who: str
    note: str


class Journal:
    """The SQLite journal in a state dir. Safe to open from several processes."""

    def __init__(self, state_dir: Path) -> None:
        make_state_dir(state_dir)
        self.path = state_dir / JOURNAL_NAME
        _create_private(self.path)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise ConfigError(
                f"journal {self.path}: not a botguard journal ({exc}); move it aside "
                "and run again (a fresh one is created)"
            ) from None

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An IMMEDIATE transaction: other writers wait until it ends."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def db(self) -> sqlite3.Connection:
        """The raw connection, for modules that keep their own tables here."""
        return self._db

    # runs and steps
    def start_run(self, run_id: str, kind: str) -> None:
        """Record the start of a kill run or drill."""
        self._db.execute(
            "INSERT INTO runs (id, kind, started_at, status) VALUES (?, ?, ?, 'running')",
            (run_id, kind, _now()),
        )

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        """Record how a run ended."""
        self._db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
            (_now(), status, _dump(summary), run_id),
        )

    def add_step(
        self, run_id: str, action: str, key: str, status: str, detail: dict[str, Any]
    ) -> None:
        """Append one step (a cancel, an order, a verification) to a run."""
        with self.transaction() as db:
            (seq,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?", (run_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, seq, _now(), action, key, status, _dump(detail)),
            )

    def steps(self, run_id: str) -> list[dict[str, Any]]:
        """Every step of a run, in order."""
        rows = self._db.execute(
            "SELECT seq, at, action, key, status, detail FROM steps WHERE run_id = ? ORDER BY seq",
            (run_id,),
        ).fetchall()
        return [
            {"seq": s, "at": a, "action": act, "key": k, "status": st, "detail": json.loads(d)}
            for s, a, act, k, st, d in rows
        ]

    def runs(self, kind: str | None = None) -> list[Run]:
        """All runs, newest first, optionally of one kind."""
        sql = "SELECT id, kind, started_at, finished_at, status, summary FROM runs"
        params: tuple[str, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        rows = self._db.execute(sql + " ORDER BY started_at DESC", params).fetchall()
        return [
            Run(
                id=r[0],
                kind=r[1],
                started_at=datetime.fromisoformat(r[2]),
                finished_at=datetime.fromisoformat(r[3]) if r[3] else None,
                status=r[4],
                summary=json.loads(r[5]),
            )
            for r in rows
        ]

    # attestations
    def attest(self, check_id: str, who: str, note: str = "") -> None:
        """Record that a person confirmed a manual check."""
        self._db.execute(
            "INSERT INTO attestations VALUES (?, ?, ?, ?)",
            (check_id, _now(), who, redact(note)),
        )

    def attestations(self, check_id: str | None = None) -> list[Attestation]:
        """Attestations, newest first."""
        sql = "SELECT check_id, at, who, note FROM attestations"
        params: tuple[str, ...] = ()
        if check_id is not None:
            sql += " WHERE check_id = ?"
            params = (check_id,)
        rows = self._db.execute(sql + " ORDER BY at DESC", params).fetchall()
        return [Attestation(c, datetime.fromisoformat(a), w, n) for c, a, w, n in rows]

    # events
    def add_event(self, kind: str, detail: dict[str, Any], account: str = "") -> None:
        """Record a guard/watch event (a trip, a state change, an alert)."""
        self._db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?)", (_now(), kind, account, _dump(detail))
        )

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Events, oldest first."""
        sql = "SELECT at, kind, account, detail FROM events"
        params: tuple[str, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        rows = self._db.execute(sql + " ORDER BY rowid", params).fetchall()
        return [
            {"at": a, "kind": k, "account": acc, "detail": json.loads(d)} for a, k, acc, d in rows
        ]
