"""Optional venue capabilities the kill checks for with isinstance (not every venue has them)."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable


@runtime_checkable
class CancelsWithoutMarkets(Protocol):
    """A venue that can cancel every open order while its markets cannot be loaded
    (Binance: its raw openOrders endpoints need no exchangeInfo)."""

    markets_failed: asyncio.Event
    """Set once loading markets has failed (it is retried meanwhile)."""

    async def cancel_without_markets(self) -> dict[tuple[str, str, bool], int]:
        """Cancel every book by raw market id; (market id, market, conditional) -> count."""
