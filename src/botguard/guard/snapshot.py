"""What the watchdog reads from an account each poll, in plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SeenOrder:
    """An order the watchdog saw (open, or created within the last minute)."""

    id: str
    symbol: str
    client_id: str | None
    timestamp_ms: int | None
    status: str
    filled: float
    notional: float
    """amount x price in quote currency (0 when unknown)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One poll of one account."""

    account: str
    equity: Decimal | None
    """Everything valued in the account's quote currency; None when it cannot be valued."""
    open_orders: tuple[SeenOrder, ...] = ()
    recent_orders: tuple[SeenOrder, ...] = ()
    """Orders (any status) created since the previous minute, for rate and foreign fills."""
    positions: dict[str, float] = field(default_factory=dict)
    """symbol -> signed notional in quote currency."""
    unvalued: tuple[str, ...] = ()
    """Assets held that have no price in the quote currency (left out of equity)."""
