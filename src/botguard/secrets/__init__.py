"""Secret references resolved at run time, and the process-wide redactor."""

from __future__ import annotations

from botguard.secrets.logging import (
    LogRedaction,
    RedactingFilter,
    RedactingFormatter,
    attach_redaction,
    install_redaction,
)
from botguard.secrets.redact import MASK, get_redactor, redact
from botguard.secrets.refs import resolve_account, resolve_secret
from botguard.secrets.secret import Secret

__all__ = [
    "MASK",
    "LogRedaction",
    "RedactingFilter",
    "RedactingFormatter",
    "Secret",
    "attach_redaction",
    "get_redactor",
    "install_redaction",
    "redact",
    "resolve_account",
    "resolve_secret",
]
