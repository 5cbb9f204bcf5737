"""A virtual Clock for tests: deadlines pass at once, in a known order.

Time moves only when something sleeps on it (or a test calls `advance`), so a kill
whose exchange is down retries until a 30 s deadline in milliseconds of real time,
and every sleep it took is in `slept`. Public, like FakeVenue, so bot authors can
drive their own guard wiring through a deadline without waiting for it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class VirtualClock:
    """A Clock (botguard.clock) whose monotonic time moves only by its own sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        """Move time on at once, then let other tasks run (as a real sleep would)."""
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds` (never backwards)."""
        self.t += max(0.0, seconds)
