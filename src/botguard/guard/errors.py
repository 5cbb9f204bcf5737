"""The exception a guarded exchange raises instead of sending an order.

`GuardRejected` subclasses `ccxt.InvalidOrder` on purpose. Bots already handle the
exchange refusing an order (`except ccxt.InvalidOrder`, or `except
ccxt.ExchangeError`), and treat it as final rather than retrying, which is exactly
right for an order the guard refused: a retry loop that retries only
`NetworkError` will not hammer the guard. A new, unrelated class would instead
escape those handlers and crash the bot mid-position. It is imported only when a
guard is built, since the bot has imported ccxt by then anyway.
"""

from __future__ import annotations

from ccxt.base.errors import InvalidOrder

from botguard.guard.rules import Trip
from botguard.guard.state import GuardState


class GuardRejected(InvalidOrder):  # type: ignore[misc]
    """The guard refused to send an order; `.trip` says which rule and why."""

    def __init__(self, trip: Trip, state: GuardState) -> None:
        super().__init__(f"botguard rejected the order ({trip.rule}): {trip.message}")
        self.trip = trip
        self.state = state


class GuardTripped(GuardRejected):
    """This rejection was one breach too many: the kill switch has been tripped."""
