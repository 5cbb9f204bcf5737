"""The values a scan produces: raw hits inside a buffer, and reported Leaks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

CERTAIN = "certain"
"""Confidence of an exact match of a known secret value."""

CONFIDENCES = ("low", "medium", "high", CERTAIN)
"""Confidence levels, weakest first."""

ENCODINGS = ("raw", "url", "base64", "hex", "json", "prefix")
"""Forms in which a known value can be found (`Leak.encoding`); patterns report `raw`."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One match inside a buffer, by offsets; the caller turns it into a Leak."""

    start: int
    end: int
    secret_ref: str | None
    rule: str | None
    confidence: str
    encoding: str


@dataclass(frozen=True, slots=True)
class Leak:
    """A secret found somewhere it should not be. Never holds the secret value."""

    location: str
    """File path (relative to the scanned root), or the path within a commit."""
    line: int | None
    """1-based line number, when known."""
    commit: str | None
    """Full sha of the commit that added it, when found in git history."""
    author_date: datetime | None
    """Author date of that commit (UTC)."""
    secret_ref: str | None
    """Reference of the known secret that matched, e.g. `env:EX_API_SECRET`."""
    rule: str | None
    """Pattern id when found by a pattern, e.g. `binance.api_key`."""
    confidence: str
    """`certain` for exact values, else `high`, `medium` or `low`."""
    encoding: str
    """raw | url | base64 | hex | json | prefix."""
    preview: str
    """Masked: at most 4 leading characters, then an ellipsis."""
    ignored: bool = False
    """The file is git-ignored (still reported: `.env` lives there)."""
    fingerprint: str = ""
    """Stable hash for baselines: an unsalted SHA-256 of location, rule or reference, and value.

    Unsalted, so the same leak has the same fingerprint on every machine and run
    (that is what lets a baseline suppress it). It is not a secret store: whoever
    can guess a value can confirm the guess against it, as with detect-secrets'
    hashed_secret; keep baselines where the code is, not in public reports."""

    @property
    def what(self) -> str:
        """The secret reference or the pattern id, for display."""
        return self.secret_ref or self.rule or "?"

    def with_ignored(self, ignored: bool) -> Leak:
        """A copy marked (or not) as git-ignored."""
        return replace(self, ignored=ignored)


def at_least(confidence: str, floor: str) -> bool:
    """True when `confidence` is `floor` or stronger."""
    return CONFIDENCES.index(confidence) >= CONFIDENCES.index(floor)


def mask(matched: bytes) -> str:
    """At most 4 leading characters (a quarter of a short value), then an ellipsis."""
    text = matched.decode("utf-8", "replace")
    keep = min(4, len(text) // 4)
    return text[:keep] + "…"


def fingerprint(location: str, what: str, matched: bytes) -> str:
    """Unsalted SHA-256 (first 128 bits) of where, which secret or rule, and the value.

    Stable across line moves and commits. Unsalted on purpose (see Leak.fingerprint)."""
    digest = hashlib.sha256()
    for part in (location.encode(), what.encode(), matched):
        digest.update(len(part).to_bytes(4, "big"))
        digest.update(part)
    return digest.hexdigest()[:32]


def make_leak(
    hit: Hit,
    buf: bytes,
    *,
    location: str,
    line: int | None,
    commit: str | None = None,
    author_date: datetime | None = None,
) -> Leak:
    """Build the Leak for `hit` found in `buf`; the matched bytes go only into hashes."""
    matched = buf[hit.start : hit.end]
    what = hit.secret_ref or hit.rule or ""
    return Leak(
        location=location,
        line=line,
        commit=commit,
        author_date=author_date,
        secret_ref=hit.secret_ref,
        rule=hit.rule,
        confidence=hit.confidence,
        encoding=hit.encoding,
        preview=mask(matched),
        fingerprint=fingerprint(location, what, matched),
    )
