"""What the sim keeps for OKX beyond the shared books: algo order types and OKX's
per-endpoint rate-limit counters."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from botguard.sim.okx.wire import OkxError


@dataclass(slots=True)
class OkxBook:
    """Per-sim OKX state."""

    kinds: dict[int, str] = field(default_factory=dict)
    """algo `ordType` of algo orders placed over the API (seeded ones derive theirs)."""
    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)
    limit_scale: float = 1.0
    """Tests shrink OKX's limits with this to provoke 50011 without thousands of calls."""
    clock: Callable[[], float] = time.time

    def charge(self, who: str, path: str, limit: int, *, window_s: float = 2.0) -> None:
        """Count one request against `limit` per `window_s`; 50011 (HTTP 429) past it.

        https://www.okx.com/docs-v5/en/#overview-rate-limits : limits are per endpoint,
        per user ID (private) or IP (public), in 2-second windows for most endpoints.
        """
        bucket = int(self.clock() // window_s)
        key = (who, path, bucket)
        if len(self.counts) > 10_000:
            self.counts = {k: v for k, v in self.counts.items() if k[2] == bucket}
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] > max(1, int(limit * self.limit_scale)):
            raise OkxError("50011", "Too Many Requests", status=429,
                           reason=f"{path}: over {limit} per {window_s:g}s")  # fmt: skip
