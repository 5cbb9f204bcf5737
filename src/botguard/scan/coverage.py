"""What a scan could not read, and the switch that stops it early.

A scan must never call "clean" what it did not read: every file skipped for
size, cut short at a cap, unreadable, or left out because a glob was stopped is
recorded here, and the CLI turns an incomplete scan into exit 3. The same value
carries the cancel switch: the audit runs a scan in a worker thread, and its
timeout can only reach that thread through here (`cancel` kills the git process
the scan is reading from, so nothing keeps running after the audit returns).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from botguard.errors import BotguardError

logger = logging.getLogger(__name__)
T = TypeVar("T")
KILL_WAIT_S = 5.0
"""How long cancel waits for a killed git to be reaped (SIGKILL: milliseconds)."""


class SkipReason(StrEnum):
    """Why part of a scan's input was not read, or not read in full."""

    TOO_LARGE = "too_large"
    """Larger than the per-file cap: not read at all."""
    TRUNCATED = "truncated"
    """Read only up to the cap (a huge or decompression-bomb log)."""
    UNREADABLE = "unreadable"
    """Permission denied, vanished or an I/O error."""
    LIMIT = "limit"
    """A glob or walk was stopped at its bound (files, entries or time)."""


@dataclass(frozen=True, slots=True)
class Skip:
    """One place a scan did not read (in full)."""

    location: str
    """The file, blob or glob concerned."""
    reason: SkipReason
    """Why it was not read."""
    detail: str
    """One line for a human: sizes, the cap, the error's name."""


class ScanCancelled(BotguardError):
    """The scan was cancelled (its caller timed out); its git process was killed."""


class Coverage:
    """Skips collected by one scan, plus a cancel switch shared with the caller's thread."""

    def __init__(self) -> None:
        self.skipped: list[Skip] = []
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes]] = []

    @property
    def complete(self) -> bool:
        """True when everything asked for was read in full."""
        return not self.skipped

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called."""
        return self._cancelled.is_set()

    def skip(self, location: str, reason: SkipReason, detail: str) -> None:
        """Record a place not read (in full)."""
        logger.info("scan: %s not read in full (%s: %s)", location, reason.value, detail)
        self.skipped.append(Skip(location, reason, detail))

    def check(self) -> None:
        """Raise ScanCancelled when the caller has cancelled; scans call it between units."""
        if self._cancelled.is_set():
            raise ScanCancelled("scan cancelled")

    def cancel(self) -> None:
        """Stop the scan: set the flag and kill (and reap) every git process it runs."""
        self._cancelled.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill(proc)

    @contextlib.contextmanager
    def owning(self, proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
        """Register a subprocess for the scope: cancel() kills it; so does leaving by an error."""
        with self._lock:
            self._procs.append(proc)
        try:
            if self._cancelled.is_set():
                _kill(proc)
            yield proc
        except BaseException:
            _kill(proc)
            raise
        finally:
            with self._lock:
                self._procs.remove(proc)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL and reap, so no git outlives the scan that started it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(KILL_WAIT_S)


async def scan_in_thread(fn: Callable[[Coverage], T]) -> tuple[T, Coverage]:
    """Run a blocking scan in a worker thread; if the awaiting task is cancelled, so is the scan.

    asyncio.wait_for (the audit's per-check timeout) cancels the awaiting task,
    but a thread cannot be cancelled: without this the scan and its git kept
    running after the audit had returned.
    """
    coverage = Coverage()
    try:
        result = await asyncio.to_thread(fn, coverage)
    except asyncio.CancelledError:
        coverage.cancel()
        raise
    return result, coverage
