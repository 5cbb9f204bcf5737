"""Secret references resolved at run time, and the process-wide redactor."""

from __future__ import annotations

from botguard.secrets.redact import get_redactor, redact
from botguard.secrets.secret import Secret

__all__ = ["Secret", "get_redactor", "redact"]
