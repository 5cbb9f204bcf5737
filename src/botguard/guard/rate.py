"""The times of admitted orders, for the per-second and per-minute limits.

One ring of C doubles serves both windows (the last second is the newest part of the
last minute), read through two start indices that only move forward. Unlike a deque
of floats it keeps no object per order: while the minute filled, those floats (and the
deques' blocks) took a fresh page for about one order in 100, a minor fault that was
the wrapper's p99 (issue 18). The ring doubles when full of orders still inside the
minute, so it settles at the busiest minute's size; a running bot reuses it.

Old times are dropped only when a count reaches its limit (or the ring is full): below
the limit the count is an upper bound and cannot breach, so the common order reads two
numbers and writes one double.
"""

from __future__ import annotations

from array import array


class RateWindows:
    """Order times in the last second and the last minute, against two limits."""

    __slots__ = ("_end", "_mask", "_minute", "_per_minute", "_per_second", "_ring", "_second")

    def __init__(self, per_second: float, per_minute: float, capacity: int = 256) -> None:
        self._per_second = per_second
        self._per_minute = per_minute
        self._ring = array("d", [0.0]) * capacity
        self._mask = capacity - 1  # capacity is a power of two
        self._end = 0
        """Index after the newest order (indices grow for ever; slots wrap by `_mask`)."""
        self._second = 0
        """No order before this index is inside the last second."""
        self._minute = 0
        """No order before this index is inside the last minute."""

    def counts(self, now: float) -> tuple[int, int]:
        """Orders in (now - 1 s, now] and in (now - 60 s, now]: exact when a count reaches
        its limit, else an upper bound still below it (the same verdict either way)."""
        end = self._end
        if end - self._second >= self._per_second:
            self._expire_second(now - 1.0)
        if end - self._minute >= self._per_minute:
            self._expire_minute(now - 60.0)
        return end - self._second, end - self._minute

    def add(self, now: float) -> None:
        """Count an admitted order at `now`."""
        if self._end - self._minute > self._mask:  # full: drop what has left the minute
            self._expire_minute(now - 60.0)
            if self._end - self._minute > self._mask:
                self._grow()  # rebases the indices
        end = self._end
        self._ring[end & self._mask] = now
        self._end = end + 1

    def drop_newest(self) -> None:
        """Give back the newest order's slot (its batch was refused after it)."""
        self._end -= 1
        self._second = min(self._second, self._end)
        self._minute = min(self._minute, self._end)

    def _expire_second(self, cut: float) -> None:
        ring, mask, end, i = self._ring, self._mask, self._end, max(self._second, self._minute)
        while i < end and ring[i & mask] <= cut:
            i += 1
        self._second = i

    def _expire_minute(self, cut: float) -> None:
        ring, mask, end, i = self._ring, self._mask, self._end, self._minute
        while i < end and ring[i & mask] <= cut:
            i += 1
        self._minute = i
        self._second = max(self._second, i)

    def _grow(self) -> None:
        """Double the full ring, oldest order first at slot 0, in C (slices, no loop).

        Rare (log2 of the busiest minute), and every page of the new ring is written here,
        in one call: the orders after it never fault on it.
        """
        ring, start = self._ring, self._minute & self._mask
        self._ring = ring[start:] + ring[:start] + array("d", [0.0]) * len(ring)
        self._mask = 2 * len(ring) - 1
        self._second -= self._minute
        self._end -= self._minute
        self._minute = 0
