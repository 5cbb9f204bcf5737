"""`-v`, `-vv`, `-vvv` and `$BOTGUARD_LOG`: log output a user can turn on.

As pip-audit does, only botguard's own package logger is configured, so the
libraries it drives stay quiet unless asked for (`-vvv` adds ccxt, whose debug
lines carry the exchange conversation, request headers included). With no flag
and no variable nothing is configured and logging behaves as it always has.
Every line passes the redactor: the handler's formatter is a RedactingFormatter.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from botguard.errors import UsageError
from botguard.secrets.logging import RedactingFormatter

ENV = "BOTGUARD_LOG"
"""Environment variable naming a level, as `-v` flags do (`BOTGUARD_LOG=debug`)."""

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}  # fmt: skip
"""The names $BOTGUARD_LOG accepts, case-insensitive."""

LIBRARIES = ("ccxt",)
"""Loggers `-vvv` turns to debug as well as botguard's own."""

LIBRARY_VERBOSITY = 3
"""How many `-v` flags it takes to log the LIBRARIES too."""

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

logger = logging.getLogger(__name__)


def level_for(verbose: int, env: str | None) -> int | None:
    """The botguard logger's level; None when neither a flag nor $BOTGUARD_LOG asks for one."""
    levels = [logging.WARNING - 10 * min(verbose, 2)] if verbose else []
    if env:
        if env.strip().lower() not in LEVELS:
            names = ", ".join(LEVELS)
            raise UsageError(f"{ENV}={env!r} is not a log level; use one of {names}")
        levels.append(LEVELS[env.strip().lower()])
    return min(levels) if levels else None


def configure_logging(verbose: int, env: str | None = None) -> Callable[[], None]:
    """Send botguard's log records at the asked level to stderr; returns the undo."""
    level = level_for(verbose, os.environ.get(ENV) if env is None else env)
    if level is None:
        return lambda: None
    names = ["botguard", *(LIBRARIES if verbose >= LIBRARY_VERBOSITY else ())]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(logging.Formatter(FORMAT)))
    loggers = [logging.getLogger(name) for name in names]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
        logger.addHandler(handler)
    _log_versions(names, level)

    def undo() -> None:
        for logger, old in zip(loggers, before, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(old)

    return undo


def _log_versions(names: list[str], level: int) -> None:
    """The first debug line: what a bug report needs to reproduce the run."""
    import platform

    from botguard import __version__

    logger.debug(
        "botguard %s, python %s; logging %s at %s",
        __version__,
        platform.python_version(),
        ", ".join(names),
        logging.getLevelName(level),
    )
