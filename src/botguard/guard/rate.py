"""The times of admitted orders, for the per-second and per-minute limits.

One ring of C doubles serves both windows (the last second is the newest part of the
last minute), read through two start indices that only move forward. Unlike a deque
of floats it keeps no object per order: while the minute filled, those floats (and the
deques' blocks) took a fresh page about every 100 orders, a minor fault that was the
wrapper's p99 (issue 18). The ring doubles when full, so it settles at the busiest
minute's size, never more than the per-minute limit allows; a running bot reuses it.
"""

from __future__ import annotations

from array import array


class RateWindows:
    """Order times in the last second and the last minute; exact counts, O(1) per order."""

    __slots__ = ("_end", "_mask", "_minute", "_ring", "_second")

    def __init__(self, capacity: int = 256) -> None:
        self._ring = array("d", [0.0]) * capacity
        self._mask = capacity - 1  # capacity is a power of two
        self._end = 0
        """Index after the newest order (indices grow for ever; slots wrap by `_mask`)."""
        self._second = 0
        """Index of the oldest order inside the last second."""
        self._minute = 0
        """Index of the oldest order inside the last minute."""

    def counts(self, now: float) -> tuple[int, int]:
        """Orders in (now - 1 s, now] and in (now - 60 s, now], dropping older ones."""
        ring, mask, end = self._ring, self._mask, self._end
        second, cut = self._second, now - 1.0
        while second < end and ring[second & mask] <= cut:
            second += 1
        minute, cut = self._minute, now - 60.0
        while minute < second and ring[minute & mask] <= cut:
            minute += 1
        self._second, self._minute = second, minute
        return end - second, end - minute

    def add(self, now: float) -> None:
        """Count an admitted order at `now`."""
        if self._end - self._minute > self._mask:
            self._grow()
        self._ring[self._end & self._mask] = now
        self._end += 1

    def drop_newest(self) -> None:
        """Give back the newest order's slot (its batch was refused after it)."""
        self._end -= 1
        self._second = min(self._second, self._end)
        self._minute = min(self._minute, self._end)

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
