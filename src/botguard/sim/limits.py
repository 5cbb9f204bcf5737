"""Binance-style rate limits: request weight per minute per IP, new orders per 10 s.

Over the weight limit a client gets 429 with Retry-After; one that keeps sending
through its 429s is banned with 418 until the ban lapses, as Binance does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botguard.sim.errors import BinanceError
from botguard.sim.scenario import Limits

BAN_SECONDS = 120


@dataclass(slots=True)
class _Window:
    start: int = 0
    used: int = 0
    refused: int = 0
    banned_until: float = 0.0
    orders: dict[int, int] = field(default_factory=dict)


class RateLimiter:
    """Counts weight per IP per minute and orders per key per 10 s."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self.clock = clock
        """Seconds since the epoch; tests freeze it so a minute boundary cannot split them."""
        self._ips: dict[str, _Window] = {}

    def charge(self, ip: str, weight: int) -> tuple[int, BinanceError | None]:
        """Add a request's weight; returns the minute's used weight and any refusal."""
        now = self.clock()
        window = self._ips.setdefault(ip, _Window())
        minute = int(now // 60)
        if window.start != minute:
            window.start, window.used, window.refused = minute, 0, 0
        if window.banned_until > now:
            return window.used, self._ban(ip, window.banned_until)
        window.used += weight
        if window.used <= self.limits.weight_per_minute:
            return window.used, None
        window.refused += 1
        if window.refused > self.limits.ban_after_429s:
            window.banned_until = now + BAN_SECONDS
            return window.used, self._ban(ip, window.banned_until)
        error = BinanceError(
            429, -1003,
            f"Too many requests; current limit of IP({ip}) is {self.limits.weight_per_minute} "
            "requests per minute. Please use WebSocket Streams for live updates to avoid "
            "polling the API.",
            retry_after=60 - int(now % 60),
        )  # fmt: skip
        return window.used, error

    def _ban(self, ip: str, until: float) -> BinanceError:
        error = BinanceError(
            418, -1003,
            f"Way too many requests; IP({ip}) banned until {int(until * 1000)}. Please use "
            "WebSocket Streams for live updates to avoid bans.",
            retry_after=max(int(until - self.clock()), 1),
        )  # fmt: skip
        return error

    def count_order(self, ip: str) -> tuple[int, BinanceError | None]:
        """Count a new order; -1015 past the 10-second order limit."""
        now = self.clock()
        window = self._ips.setdefault(ip, _Window())
        bucket = int(now // 10)
        count = window.orders.get(bucket, 0) + 1
        window.orders = {bucket: count}
        if count > self.limits.orders_per_10s:
            error = BinanceError(
                429, -1015,
                f"Too many new orders; current limit is {self.limits.orders_per_10s} orders "
                "per TEN_SECONDS.",
                retry_after=10 - int(now % 10),
            )  # fmt: skip
            return count, error
        return count, None
