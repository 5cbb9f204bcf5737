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


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header ccxt kept on the exchange, if any."""
    headers = getattr(exc, "_botguard_headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def translate(exc: BaseException) -> Exception:
    """One ccxt (or transport) exception as a botguard VenueError; the message kept short.

    Why here: everything above venues/ must never see a ccxt class, so each venue call
    goes through one helper that calls this.
    """
    import ccxt

    message = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, VenueError):
        return exc
    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(message)
    if isinstance(exc, ccxt.AuthenticationError):
        return VenueAuthError(message)
    if isinstance(exc, (ccxt.InvalidOrder, ccxt.InsufficientFunds)):
        return OrderRejected(message)
    if isinstance(exc, ccxt.NotSupported):
        return VenueUnsupported(message)
    if isinstance(exc, (ccxt.NetworkError, ccxt.OperationFailed, TimeoutError, OSError)):
        return VenueUnavailable(message, retry_after_s=_retry_after(exc))
    if isinstance(exc, ccxt.ExchangeError):
        return VenueError(message)
    return VenueUnavailable(message)
