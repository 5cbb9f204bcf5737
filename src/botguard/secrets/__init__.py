"""Secret references resolved at run time, and the process-wide redactor."""

from __future__ import annotations

from botguard.secrets.logging import RedactingFilter, install_redaction
from botguard.secrets.redact import MASK, get_redactor, redact
from botguard.secrets.refs import resolve_account, resolve_secret
from botguard.secrets.secret import Secret

__all__ = [
    "MASK",
    "RedactingFilter",
    "Secret",
    "get_redactor",
    "install_redaction",
    "redact",
    "resolve_account",
    "resolve_secret",
]
