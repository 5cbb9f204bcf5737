"""Venue errors: every ccxt exception is translated into one of these, once.

The translation function lives here too (added by the kill/venues work), so that
callers above venues/ never see a ccxt class.
"""

from __future__ import annotations

from botguard.errors import VenueError


class VenueUnavailable(VenueError):
    """Network error, timeout, 5xx, maintenance or rate limit: worth retrying."""

    def __init__(
        self, message: str, *, retry_after_s: float | None = None, not_taken: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.not_taken = not_taken
        """The exchange answered that it did not take the request (a rate-limit refusal:
        429, Binance -1003, Bybit 10006, OKX 50011): an order sent with it cannot land, so
        there is nothing to look up or wait for before the next round re-plans."""


class ClockSkew(VenueUnavailable):
    """The exchange refused the request's timestamp (Binance -1021, OKX 50102, Bybit
    10002): this host's clock is off the exchange's. Refused before it ran, so an order
    sent with it cannot land; the venue re-reads the exchange's time and signs again."""

    def __init__(self, message: str) -> None:
        super().__init__(message, not_taken=True)


class VenueAuthError(VenueError):
    """The key was refused: wrong key/signature, IP not whitelisted, permission missing."""


class VenueUnsupported(VenueError):
    """The exchange (or ccxt) has no way to do or tell this; audits report MANUAL."""


class OrderRejected(VenueError):
    """The exchange refused an order: invalid size/price, insufficient funds."""


class OrderNotFound(VenueError):
    """The order does not exist (already filled or cancelled)."""


class UnknownSymbol(VenueError):
    """The exchange (or ccxt's loaded markets) does not know this symbol: markets are stale."""


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header ccxt kept on the exchange, if any."""
    headers = getattr(exc, "_botguard_headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def is_transport_error(exc: BaseException) -> bool:
    """A network failure below ccxt: aiohttp's client errors, sockets, timeouts."""
    import aiohttp

    return isinstance(exc, aiohttp.ClientError | OSError | TimeoutError)


def translate(exc: BaseException) -> BaseException:
    """One ccxt (or network) exception as a botguard VenueError; the message kept short.

    Only ccxt's errors and the network's (aiohttp, OSError, timeouts) are translated.
    Anything else (a TypeError, a KeyError) is a bug in botguard or in ccxt, returned
    unchanged so that it is never retried and reported as an outage (issue 11, item 8).
    Why here: everything above venues/ must never see a ccxt class, so each venue call
    goes through one helper that calls this.
    """
    import ccxt

    if isinstance(exc, VenueError):
        return exc
    message = f"{type(exc).__name__}: {str(exc)[:300]}"
    if isinstance(exc, ccxt.BaseError):
        return _translate_ccxt(exc, message)
    if is_transport_error(exc):
        return VenueUnavailable(message, retry_after_s=_retry_after(exc))
    return exc


def _translate_ccxt(exc: BaseException, message: str) -> VenueError:
    """ccxt's exception tree (notes/ccxt.md 5) onto ours."""
    import ccxt

    if isinstance(exc, ccxt.OrderNotFound):
        return OrderNotFound(message)
    if isinstance(exc, ccxt.AuthenticationError):
        return VenueAuthError(message)
    if isinstance(exc, ccxt.BadSymbol):
        return UnknownSymbol(message)
    if isinstance(exc, (ccxt.InvalidOrder, ccxt.InsufficientFunds)):
        return OrderRejected(message)
    if isinstance(exc, ccxt.NotSupported):
        return VenueUnsupported(message)
    if isinstance(exc, ccxt.InvalidNonce):
        return ClockSkew(message)
    if isinstance(exc, ccxt.RateLimitExceeded):  # refused at the gate: the order never ran
        return VenueUnavailable(message, retry_after_s=_retry_after(exc), not_taken=True)
    if isinstance(exc, (ccxt.NetworkError, ccxt.OperationFailed)):
        return VenueUnavailable(message, retry_after_s=_retry_after(exc))
    return VenueError(message)
