"""The process-wide Redactor: scrubs known secret values from any text.

Minimal core; the foundation issue extends it with encoded forms and exchange
auth artefacts (signatures, API-key headers) whose values are not known.
"""

from __future__ import annotations

import threading

MASK = "[REDACTED]"


class Redactor:
    """Replaces every registered secret value in a text with a mask."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def register(self, value: str) -> None:
        """Remember a secret value; short values are ignored (they would mask noise)."""
        if len(value) < 4:
            return
        with self._lock:
            self._values.add(value)

    def redact(self, text: str) -> str:
        """`text` with every known secret replaced by the mask."""
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text


_REDACTOR = Redactor()


def get_redactor() -> Redactor:
    """The one process-wide redactor."""
    return _REDACTOR


def redact(text: str) -> str:
    """Shorthand for get_redactor().redact(text)."""
    return _REDACTOR.redact(text)
