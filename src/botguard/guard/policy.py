"""The `[guard]` section turned into plain numbers, once, for the hot path.

pydantic models and Decimal arithmetic cost microseconds per attribute access and
operation; the pre-trade check runs on every order and has a budget of 20 µs. The
limits are therefore copied into a slotted dataclass of floats when the guard is
built. A float comparison against a limit is exact to about 1e-16 relative, far
below any tick size, so no verdict that matters can change; money that
accumulates (the realised loss) stays Decimal in `book.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from botguard.config import Config

INF = float("inf")
BREACH_WINDOW_S = 60.0
"""`trip_after_breaches` counts breaches within this window."""


@dataclass(frozen=True, slots=True)
class Policy:
    """Pre-trade limits (quote currency), with `inf` for "no limit"."""

    symbols: frozenset[str] | None = None
    """Allowed symbols; None allows every symbol."""
    max_order_notional: float = INF
    max_position_notional: float = INF
    max_total_notional: float = INF
    max_open_orders: float = INF
    max_orders_per_second: float = INF
    max_orders_per_minute: float = INF
    price_band: float = INF
    """Allowed distance from the last price, as a fraction (0.05 = 5 %)."""
    max_daily_loss: float = INF
    trip_after_breaches: int = 3
    client_id_prefix: str = "bg"
    state_dir: Path | None = None
    """Where the halt flag and the journal live; None disables both (library tests)."""

    @classmethod
    def from_config(cls, config: Config) -> Policy:
        """Precompute the policy from a loaded botguard.toml."""
        g = config.guard

        def lim(value: object) -> float:
            return INF if value is None else float(value)  # type: ignore[arg-type]

        return cls(
            symbols=frozenset(g.symbols) if g.symbols else None,
            max_order_notional=lim(g.max_order_notional),
            max_position_notional=lim(g.max_position_notional),
            max_total_notional=lim(g.max_total_notional),
            max_open_orders=lim(g.max_open_orders),
            max_orders_per_second=lim(g.max_orders_per_second),
            max_orders_per_minute=lim(g.max_orders_per_minute),
            price_band=INF if g.price_band_pct is None else g.price_band_pct / 100.0,
            max_daily_loss=lim(g.max_daily_loss),
            trip_after_breaches=g.trip_after_breaches,
            client_id_prefix=config.bot.client_id_prefix,
            state_dir=config.state.dir,
        )
