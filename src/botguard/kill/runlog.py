"""A kill run in the journal: the cross-process lock, resuming a run killed half-way.

The lock is an flock on `kill.lock` in the state dir: a second `botguard kill` waits for
the first to finish (then re-reads the accounts and finds them flat) instead of both
trading. A run whose process died leaves status 'running' with its lock released: the
next kill takes over that run id, so its journaled steps and client order ids continue.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from botguard.clock import Clock, SystemClock
from botguard.config import make_state_dir
from botguard.errors import ConfigError
from botguard.journal import Journal

LOCK_NAME = "kill.lock"


@dataclass(frozen=True, slots=True)
class RunClock:
    """When a kill run began and when it must be done, in `clock`'s monotonic seconds.

    One value instead of two loose floats handed down separately, so the total time
    reported and every step's remaining budget read the same start. It carries the
    Clock (the seam): the kill's deadline checks and its sleeps go through it, so a
    test's VirtualClock passes a deadline without waiting for it.
    """

    start: float
    deadline: float
    clock: Clock = field(default_factory=SystemClock, compare=False, repr=False)

    @classmethod
    def starting(cls, deadline_s: float, *, clock: Clock | None = None) -> RunClock:
        """A clock started now, ending `deadline_s` from now."""
        clock = clock or SystemClock()
        start = clock.monotonic()
        return cls(start=start, deadline=start + deadline_s, clock=clock)

    def now(self) -> float:
        """The current monotonic time on this run's clock."""
        return self.clock.monotonic()

    def remaining(self) -> float:
        """Seconds left before the deadline, never negative."""
        return max(0.0, self.deadline - self.clock.monotonic())

    def is_past(self) -> bool:
        """The deadline has passed."""
        return self.clock.monotonic() > self.deadline

    def elapsed(self) -> float:
        """Seconds since the run began."""
        return self.clock.monotonic() - self.start

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, cut to the deadline (never negative)."""
        await self.clock.sleep(max(0.0, min(seconds, self.remaining())))


class KillLock:
    """An exclusive flock on the state dir's kill.lock, acquired without blocking the loop."""

    def __init__(self, state_dir: Path) -> None:
        make_state_dir(state_dir)
        self.path = state_dir / LOCK_NAME
        self._fd: int | None = None
        self.waited_s = 0.0

    async def acquire(self, timeout_s: float) -> bool:
        """True once held; False when another run kept it past `timeout_s`."""
        fd = self._open()
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() - start > timeout_s:
                    os.close(fd)
                    return False
                await asyncio.sleep(0.05)
                continue
            self._fd = fd
            self.waited_s = time.monotonic() - start
            return True

    def _open(self) -> int:
        """The lock file, never through a symlink: one planted in the state dir would make
        botguard create or open whatever file it points to."""
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            why = "it is a symlink" if exc.errno == errno.ELOOP else exc.strerror
            raise ConfigError(
                f"{self.path}: cannot use it as the kill lock ({why}); remove it and make the "
                "state dir writable by botguard only"
            ) from None

    def release(self) -> None:
        """Drop the lock (also dropped by the OS when the process dies)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    async def __aenter__(self) -> KillLock:
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class RunLog:
    """One run's journal entries; call only while holding the KillLock."""

    def __init__(self, journal: Journal, kind: str) -> None:
        self.journal = journal
        self.kind = kind
        self.resumed = False
        unfinished = [r for r in journal.runs(kind) if r.status == "running"]
        if unfinished:  # its process died half-way (we hold the lock): take it over
            self.run_id = unfinished[0].id
            self.resumed = True
            self.step("resume", self.run_id, "ok", {"pid": os.getpid()})
        else:
            self.run_id = uuid.uuid4().hex[:12]
            journal.start_run(self.run_id, kind)

    def step(self, action: str, key: str, status: str, detail: dict[str, Any]) -> None:
        """Journal one step."""
        self.journal.add_step(self.run_id, action, key, status, detail)

    def rounds_done(self) -> int:
        """How many execution rounds earlier processes journaled (client ids never reuse one)."""
        return sum(1 for s in self.journal.steps(self.run_id) if s["action"] == "round")

    def finish(self, status: str, summary: dict[str, Any]) -> None:
        """Close the run."""
        self.journal.finish_run(self.run_id, status, summary)
