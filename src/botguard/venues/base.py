"""The Venue protocol: the small exchange surface the kill switch needs, no ccxt in it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from botguard.errors import VenueError
from botguard.venues.types import (
    Exposure,
    KeyPermissions,
    LandedOrder,
    MarketInfo,
    PositionSide,
    Side,
)


@dataclass(frozen=True, slots=True)
class Quirks:
    """Per-exchange facts that change how a kill is executed (see notes/ccxt.md 1.1)."""

    conditional_book: bool = True
    """Stop/take-profit orders live in a separate (algo) book, cancelled separately."""
    lists_conditional: bool = False
    """ccxt's `fetch_open_orders(params={'trigger': True})` lists that whole book on this
    exchange (checked against its docs or a simulator). Unset, a generic venue reports the
    conditional book as not verified."""
    batch_orders_max: int = 5
    """How many orders one batch call may carry (0: no batch endpoint)."""
    landing_window_s: float = 10.0
    """After an order's request failed without an answer (timeout, reset, 5xx), how long
    it may still land: no resend before this has passed since the failure. Binance drops a
    request older than its recvWindow (also at the matching engine, codes -5028/-4188)."""
    max_concurrency: int = 32
    """Requests in flight per account. A kill sends one cancel per book and one order per
    asset or position (Binance: 100 orders/10 s spot, 300 futures; 6000 weight/min), so
    this bounds bursts without serialising a 50-symbol kill into many round trips."""


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """One reduce-only market close, as a batch of closes carries it."""

    symbol: str
    side: PositionSide
    """The side of the position being closed (the order goes the other way)."""
    amount: Decimal
    client_id: str
    hedged: bool


@dataclass(frozen=True, slots=True)
class CloseResult:
    """What became of one close of a batch: an order id, or the error for that order alone.

    A `VenueUnavailable` error means the answer was lost (timeout, reset, 5xx): the
    order may have landed, so it must be looked up by client id before any resend.
    """

    client_id: str
    order_id: str | None = None
    error: VenueError | None = None


SIMULATED = "verified end to end against botguard sim"
UNSIMULATED = "generic ccxt venue, not verified end to end against a simulator"


def verification(venue: object) -> str:
    """What kind of venue this is, for the kill report: verified against a simulator or not.

    A venue class says so with `verified_end_to_end = True` (Binance today; a new venue
    sets it once its kill runs end to end against its own simulator in the tests).
    """
    exchange = getattr(getattr(venue, "exchange", None), "id", None) or type(venue).__name__
    verified = bool(getattr(venue, "verified_end_to_end", False))
    return f"{exchange}: {SIMULATED if verified else UNSIMULATED}"


@runtime_checkable
class Venue(Protocol):
    """One exchange account, as the kill switch sees it."""

    account: str
    quirks: Quirks
    deadline: float | None
    """`clock.monotonic()` past which the venue starts no retry (the kill's deadline, set by
    settle_account in the run clock's time)."""

    async def load_markets(self) -> None:
        """Make market precision known (from the state-dir cache when fresh)."""

    def market_info(self, symbol: str) -> MarketInfo | None:
        """Precision and minimums of one symbol; None when the exchange lists no such market."""

    async def exposure(self) -> Exposure:
        """Open orders (conditional included), balances, positions and last prices."""

    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """Cancel every open order on one symbol (the conditional book when asked)."""

    async def close_position(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """A reduce-only market order closing `amount` of a position; returns the order id."""

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """Several closes, batched where the exchange allows; one result per close, in order.

        A failure of one order (or of a whole batch request) is that close's result,
        never an exception: the caller decides per order what to look up or resend.
        """

    async def sell(self, symbol: str, side: Side, amount: Decimal, client_id: str) -> str:
        """A spot market order; returns the order id."""

    async def order_by_client_id(
        self, symbol: str, market: str, client_id: str
    ) -> LandedOrder | None:
        """The order with that client id, or None if none landed."""

    async def permissions(self) -> KeyPermissions:
        """What the key may do (delegates to venues.permissions)."""

    async def close(self) -> None:
        """Release the HTTP session."""


class WatchVenue(Venue, Protocol):
    """A venue as the watchdog also reads it: order history and equity the kill never needs,
    through the same retries, Retry-After handling and error translation."""

    async def fetch(self, method: str, *args: Any) -> Any:
        """One ccxt read (fetch_positions, fetch_my_trades, ...); ccxt's own answer."""

    async def arm_dead_man(self, timeout_s: float, symbols: Iterable[str]) -> int:
        """Arm the exchange's dead man's switch for `timeout_s` (0 disarms); timers set."""
