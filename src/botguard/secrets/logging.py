"""Route logs, tracebacks, warnings and thread crashes through the redactor.

Two ways in, for two kinds of host:

`attach_redaction()` is for a library guest in the bot's process (`botguard.guard()`,
`KillSwitch`): it wraps the formatter of every handler that exists (and of handlers
added to the root logger later) in a RedactingFormatter. Records are not touched, so
other handlers see them as logged and nothing is formatted before a handler asks; the
returned handle's `uninstall()` puts every formatter back.

`install_redaction()` is for the CLI, which owns its process: process-wide,
idempotent and permanent:

- a log record factory redacts each record's message (formatted with its args,
  so a secret split across `%s` args is caught) when the record is made, so
  every handler, including ones added later and pytest's caplog, sees clean text;
- `logging.Handler.format` is wrapped, so exception and stack text that
  formatters add later is redacted too;
- `sys.excepthook`, `threading.excepthook` and `warnings.showwarning` print
  redacted text.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import traceback
import warnings
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from botguard.secrets.redact import redact


def redact_record(record: logging.LogRecord) -> None:
    """Replace a record's message (and args) by its redacted rendering."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string; leave it for logging's own error path
        return
    clean = redact(message)
    if clean != message or record.args:
        record.msg, record.args = clean, None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)


class RedactingFilter(logging.Filter):
    """Scrubs registered secrets from a record's message, args and exception text.

    Attach to a handler or logger when install_redaction() is not wanted.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then redacts the text (the record is left alone).

    Other handlers see the record as it was logged; only this handler's output is
    cleaned, and only when it emits (nothing is formatted ahead of need).
    """

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        """The formatter whose output is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class LogRedaction:
    """A handle made by `attach_redaction()`; `uninstall()` when done (idempotent)."""

    def __init__(self) -> None:
        self._attached = True

    @classmethod
    def released(cls) -> LogRedaction:
        """A handle already given back: a placeholder whose uninstall does nothing."""
        handle = cls()
        handle._attached = False
        return handle

    def uninstall(self) -> None:
        """Give back this handle; the last one out restores every formatter it wrapped."""
        if self._attached:
            self._attached = False
            _GUEST.release()


class _Guest:
    """What attach_redaction() changed, so the last uninstall can put it back."""

    def __init__(self) -> None:
        self.holders = 0
        self.wrapped: weakref.WeakKeyDictionary[logging.Handler, logging.Formatter | None] = (
            weakref.WeakKeyDictionary()
        )
        self.lock = threading.Lock()

    def acquire(self) -> None:
        with self.lock:
            self.holders += 1
            if self.holders == 1:
                root = logging.getLogger()
                for logger in [root, *_loggers()]:
                    for handler in logger.handlers:
                        self.wrap(handler)
                root.addHandler = self.add_root_handler  # type: ignore[method-assign,assignment]

    def release(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders:
                return
            vars(logging.getLogger()).pop("addHandler", None)
            for handler, original in list(self.wrapped.items()):
                if isinstance(handler.formatter, _GuestFormatter):
                    handler.setFormatter(original)
            self.wrapped.clear()

    def wrap(self, handler: logging.Handler) -> None:
        if handler in self.wrapped or isinstance(handler.formatter, RedactingFormatter):
            return
        self.wrapped[handler] = handler.formatter
        handler.setFormatter(_GuestFormatter(handler.formatter))

    def add_root_handler(self, handler: logging.Handler) -> None:
        logging.Logger.addHandler(logging.getLogger(), handler)
        with self.lock:
            self.wrap(handler)


class _GuestFormatter(RedactingFormatter):
    """The wrapper attach_redaction() puts on a handler (so uninstall knows its own)."""


def _loggers() -> list[logging.Logger]:
    existing = list(logging.Logger.manager.loggerDict.values())
    return [logger for logger in existing if isinstance(logger, logging.Logger)]


_GUEST = _Guest()


def attach_redaction() -> LogRedaction:
    """Redact what the bot's log handlers write, as a guest: undoable, nothing eager.

    Wraps the formatter of every existing handler, and of handlers later added to
    the root logger (basicConfig, dictConfig), in a RedactingFormatter. Not reached:
    handlers a library adds to its own logger later, and a handler whose formatter
    the bot replaces afterwards (`RedactingFilter` is there for those). Calls nest:
    the last handle uninstalled restores the formatters.
    """
    _GUEST.acquire()
    return LogRedaction()


_installed = False
_lock = threading.Lock()


def install_redaction() -> None:
    """Make logs, tracebacks, warnings and thread crashes pass the redactor (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        _install_record_factory()
        _wrap_handler_format()
        sys.excepthook = _excepthook
        threading.excepthook = _thread_excepthook
        warnings.showwarning = _showwarning


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def _wrap_handler_format() -> None:
    original: Callable[[logging.Handler, logging.LogRecord], str] = logging.Handler.format

    def format(self: logging.Handler, record: logging.LogRecord) -> str:
        return redact(original(self, record))

    logging.Handler.format = format  # type: ignore[method-assign]


def format_exception(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    """A traceback as text, redacted (chained causes included)."""
    return redact("".join(traceback.format_exception(exc_type, exc, tb)))


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    sys.stderr.write(format_exception(exc_type, exc, tb))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread else "?"
    sys.stderr.write(f"Exception in thread {name}:\n")
    sys.stderr.write(format_exception(args.exc_type, args.exc_value, args.exc_traceback))


def _showwarning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    stream = file if file is not None else sys.stderr
    text = warnings.formatwarning(message, category, filename, lineno, line)
    with contextlib.suppress(OSError):
        stream.write(redact(text))
