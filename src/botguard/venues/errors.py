"""Venue errors: every ccxt exception is translated into one of these, once.

The translation function lives here too (added by the kill/venues work), so that
callers above venues/ never see a ccxt class.
"""

from __future__ import annotations

from botguard.errors import VenueError


class VenueUnavailable(VenueError):
    """Network error, timeout, 5xx, maintenance or rate limit: worth retrying."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class VenueAuthError(VenueError):
    """The key was refused: wrong key/signature, IP not whitelisted, permission missing."""


class VenueUnsupported(VenueError):
    """The exchange (or ccxt) has no way to do or tell this; audits report MANUAL."""


class OrderRejected(VenueError):
    """The exchange refused an order: invalid size/price, insufficient funds."""


class OrderNotFound(VenueError):
    """The order does not exist (already filled or cancelled)."""
