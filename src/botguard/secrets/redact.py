"""The process-wide Redactor: scrubs secrets from any text before it is shown.

Two kinds of things are masked. Registered values (every resolved `Secret`), in
each encoded form from `botguard.secrets.forms`. And exchange auth artefacts
whose value botguard never saw: HMAC `signature=` query parameters, API-key,
signature and passphrase headers, and `Authorization` headers, as ccxt prints
them in verbose output (dict reprs), debug logs and exception messages.

Known forms are one compiled regex alternation, rebuilt on first use after a
value is registered (compiling it on every register cost a 32-secret config
0.35 s before a scan started); artefacts are a second one. Each runs only when a cheap C-level
test says it can match (`form in text`; an auth keyword in the lowercased
text), because Python's re tries every branch at every position: measured in
benchmarks/redact.py, gating makes a clean log line cost microseconds. The kill
switch and the guard log through it.
"""

from __future__ import annotations

import re
import threading

from botguard.secrets.forms import encoded_forms

MASK = "[REDACTED]"
MIN_VALUE = 4
"""Values shorter than this are not registered (they would mask ordinary text)."""

AUTH_HEADERS = (
    "X-MBX-APIKEY",
    "OK-ACCESS-KEY",
    "OK-ACCESS-SIGN",
    "OK-ACCESS-PASSPHRASE",
    "X-BAPI-API-KEY",
    "X-BAPI-SIGN",
    "KC-API-KEY",
    "KC-API-SIGN",
    "KC-API-PASSPHRASE",
    "ACCESS-KEY",
    "ACCESS-SIGN",
    "ACCESS-PASSPHRASE",
    "API-Key",
    "API-Sign",
)
"""Headers whose value is a key, signature or passphrase, on the venues ccxt serves."""

_HEADER_NAMES = "|".join(re.escape(h) for h in sorted(AUTH_HEADERS, key=len, reverse=True))
_ARTEFACTS = (
    # signature=… (query string, form body), also URL-encoded or as a JSON/dict key
    r"""(?<![\w-])(?i:signature|sign)(?>=|%3D|['"]?\s*:\s*['"]?)""",
    # 'X-MBX-APIKEY': 'abc'  /  X-MBX-APIKEY: abc  /  "OK-ACCESS-SIGN": "..."
    rf"""(?<![\w-])(?i:{_HEADER_NAMES})(?>['"]?\s*[:=]\s*['"]?)""",
)
_NOT_MASKED = r"(?!\[REDACTED\])"
_ARTEFACT_VALUE = _NOT_MASKED + r"""[^\s'"&,;}\]]+"""
_AUTHORIZATION = r"""(?<![\w-])(?i:Authorization)(?>['"]?\s*[:=]\s*['"]?)"""
_AUTHORIZATION_VALUE = _NOT_MASKED + r"""[^\s'"][^'"\r\n]*"""
_BEARER = r"""(?<![\w-])(?i:Bearer)(?>\s+)"""
_BEARER_VALUE = r"""[A-Za-z0-9._~+/=-]+"""


def _artefact_alternatives() -> list[str]:
    parts = [f"(?P<a{i}>{prefix}){_ARTEFACT_VALUE}" for i, prefix in enumerate(_ARTEFACTS)]
    parts.append(f"(?P<auth>{_AUTHORIZATION}){_AUTHORIZATION_VALUE}")
    parts.append(f"(?P<bearer>{_BEARER}){_BEARER_VALUE}")
    return parts


_KEYWORDS = ("sign", "key", "auth", "bearer", "access", "api-")
"""Every artefact pattern contains one of these (lowercase); none present, no scan."""
_ARTEFACT_RE = re.compile("|".join(_artefact_alternatives()))
_PREFIX_GROUPS = (*(f"a{i}" for i in range(len(_ARTEFACTS))), "auth", "bearer")


class Redactor:
    """Replaces registered secrets (in every encoding) and auth artefacts with a mask."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._forms: tuple[str, ...] = ()
        self._pattern: re.Pattern[str] | None = None

    def register(self, value: str) -> None:
        """Remember a secret value and its encoded forms; short values are ignored."""
        if len(value) < MIN_VALUE or value in self._values:
            return
        with self._lock:
            self._values.add(value)
            forms = set(self._forms).union(encoded_forms(value))
            self._forms = tuple(sorted(forms, key=len, reverse=True))
            self._pattern = None  # compiled on first use: once, not once per value (quadratic)

    def _compiled(self) -> re.Pattern[str]:
        """The alternation of every registered form, compiled once after the last register."""
        with self._lock:
            if self._pattern is None:
                self._pattern = re.compile("|".join(re.escape(f) for f in self._forms))
            return self._pattern

    @property
    def count(self) -> int:
        """How many distinct values are registered."""
        return len(self._values)

    def redact(self, text: str) -> str:
        """`text` with every known secret and auth artefact replaced by the mask."""
        forms = self._forms
        for _ in range(3):  # a mask can join the halves of an overlapping form; rescan
            if not any(form in text for form in forms):
                break
            text = self._compiled().sub(MASK, text)
        lowered = text.lower()
        if any(keyword in lowered for keyword in _KEYWORDS):
            text = _ARTEFACT_RE.sub(_replace, text)
        return text


def _replace(match: re.Match[str]) -> str:
    for group in _PREFIX_GROUPS:
        prefix = match.group(group)
        if prefix is not None:
            return prefix + MASK
    return MASK


_REDACTOR = Redactor()


def get_redactor() -> Redactor:
    """The one process-wide redactor."""
    return _REDACTOR


def redact(text: str) -> str:
    """Shorthand for get_redactor().redact(text)."""
    return _REDACTOR.redact(text)
