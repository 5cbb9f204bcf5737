"""Hooks that route logs, tracebacks and warnings through the redactor.

Minimal core; the foundation issue extends it (excepthook, warnings, rich console).
"""

from __future__ import annotations

import logging

from botguard.secrets.redact import redact


class RedactingFilter(logging.Filter):
    """Scrubs registered secrets from a record's message, args and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_installed = False


def install_redaction() -> None:
    """Make every log record pass through the redactor (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    redacting = RedactingFilter()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redacting)
