"""The clock seam: monotonic time, UTC timestamps and sleeps, injectable in tests.

A kill's deadline is kill/runlog.RunClock, which carries one of these.
"""

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
