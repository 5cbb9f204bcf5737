"""Keep ccxt's own output free of credentials (see notes/ccxt.md section 4).

ccxt prints `verbose=True` traffic with `exchange.log` (plain `print`) and logs
every request and response at DEBUG on `exchange.logger` (signed URLs, API-key
and passphrase headers), whatever `verbose` says, and puts signed URLs into its
HTTP errors. `redact_exchange` swaps the first two for redacting versions and
wraps `fetch` so the errors are redacted where they are raised.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from botguard.secrets.logging import RedactingFilter
from botguard.secrets.redact import redact

_FILTER = RedactingFilter()


def redacting_log(*args: Any) -> None:
    """A drop-in for ccxt's `exchange.log` (print) that redacts what it prints."""
    sys.stdout.write(redact(" ".join(str(arg) for arg in args)) + "\n")


def redacting_logger(name: str = "ccxt.base.exchange") -> logging.Logger:
    """The ccxt logger with a redacting filter attached (added once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger


def redact_exchange(exchange: Any) -> Any:
    """Make a ccxt exchange's verbose prints, debug logs and HTTP errors pass the redactor.

    Returns the same exchange, so `ex = redact_exchange(ccxt.binance(...))` reads well;
    applying it twice changes nothing.
    """
    exchange.log = redacting_log
    exchange.logger = redacting_logger()
    if not getattr(exchange.fetch, _REDACTING, False):
        exchange.fetch = _redacting_fetch(exchange.fetch)
    return exchange


_REDACTING = "_botguard_redacting"


def _redacting_fetch(fetch: Any) -> Any:
    """Errors from the exchange's HTTP calls carry no signed URL (notes/ccxt.md section 4).

    ccxt puts `id method url` into network, timeout and HTTP-status errors (for binance
    the query with `signature=`) and chains the transport's error, which has the URL
    again. Every REST call goes through the instance's `fetch`, so wrapping it redacts
    each such message in place and drops the chain before anyone prints or logs it.
    """

    async def redacting_fetch(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(*args, **kwargs)
        except Exception as exc:
            exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
            raise exc from None

    setattr(redacting_fetch, _REDACTING, True)
    return redacting_fetch


def redacted_error(exc: BaseException) -> str:
    """`type: message` of a (ccxt) exception, with signed URLs and keys masked."""
    return redact(f"{type(exc).__name__}: {exc}")
