"""Keep ccxt's own output free of credentials (see notes/ccxt.md section 4).

ccxt prints `verbose=True` traffic with `exchange.log` (plain `print`) and logs
every request and response at DEBUG on `exchange.logger` (signed URLs, API-key
and passphrase headers), whatever `verbose` says. `redact_exchange` swaps both
for redacting versions; its exception helper strips signed URLs from ccxt
errors before they are shown or logged.
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
    """Make a ccxt exchange's verbose prints and debug logs pass the redactor.

    Returns the same exchange, so `ex = redact_exchange(ccxt.binance(...))` reads well.
    """
    exchange.log = redacting_log
    exchange.logger = redacting_logger()
    return exchange


def redacted_error(exc: BaseException) -> str:
    """`type: message` of a (ccxt) exception, with signed URLs and keys masked."""
    return redact(f"{type(exc).__name__}: {exc}")
