"""The clock seam: monotonic deadlines and UTC timestamps, injectable in tests."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What botguard needs from time."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary point, never going backwards (for deadlines)."""
        ...

    def now(self) -> datetime:
        """The current time, tz-aware UTC (for journals and reports)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait, letting other tasks run."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Deadline:
    """A point in monotonic time after which work should stop."""

    def __init__(self, seconds: float, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._end = self._clock.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._end - self._clock.monotonic())

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0.0
