"""Secret: a resolved value that never shows itself by accident."""

from __future__ import annotations

import hashlib
from typing import Any, NoReturn


class Secret:
    """A secret value resolved from a reference.

    `repr`, `str`, f-strings, json and pickle show the reference and a mask,
    never the value; only `reveal()` returns it. Creating one registers the value
    with the process-wide redactor, so a value that escapes anyway is scrubbed
    from logs, tracebacks and reports.
    """

    __slots__ = ("_value", "ref")

    def __init__(self, ref: str, value: str, *, register: bool = True) -> None:
        self.ref = ref
        self._value = value
        if register:
            from botguard.secrets.redact import get_redactor

            get_redactor().register(value)

    def reveal(self) -> str:
        """The value itself; pass it straight to the library that needs it."""
        return self._value

    @property
    def length(self) -> int:
        """How many characters the value has (safe to show)."""
        return len(self._value)

    def fingerprint(self) -> str:
        """Short SHA-256 of the value: identifies it in reports without showing it."""
        return hashlib.sha256(self._value.encode()).hexdigest()[:12]

    def __repr__(self) -> str:
        return f"Secret({self.ref!r}, '********')"

    def __str__(self) -> str:
        return f"<secret {self.ref}>"

    def __format__(self, spec: str) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return (
            hashlib.sha256(self._value.encode()).digest()
            == hashlib.sha256(other._value.encode()).digest()
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint())

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; pickle its reference instead")

    def __getstate__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; pickle its reference instead")

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
