"""The encoded forms of a known secret value that a scan looks for.

A value leaks in more shapes than its raw text: URL-encoded in a query string,
base64'd in a config or an Authorization header (at any of three byte
alignments inside a longer base64 run), hex-dumped, JSON-escaped, or truncated
by a log formatter. Each form is a byte needle with the encoding's name.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MIN_NEEDLE = 8
"""Needles shorter than this would match noise; such forms are skipped."""


@dataclass(frozen=True, slots=True)
class Needle:
    """One byte string to search for, and what finding it means."""

    data: bytes
    encoding: str


def base64_forms(raw: bytes) -> list[bytes]:
    """The base64 characters fully determined by `raw` at each of the three alignments.

    Inside a longer base64 text, `raw` may start at byte offset 0, 1 or 2 of a
    3-byte group; the characters that mix in neighbouring bytes are dropped.
    """
    forms = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw)
        start = (pad * 8 + 5) // 6
        end = (pad + len(raw)) * 8 // 6
        forms.append(encoded[start:end])
    return forms


def encoded_forms(value: str, *, min_prefix: int = 12) -> list[Needle]:
    """Every distinct needle for `value`: raw first, then encodings, then its prefix."""
    raw = value.encode()
    candidates: list[tuple[bytes, str]] = [(raw, "raw")]
    candidates += [(quote(value, safe="").encode(), "url"), (quote_plus(value).encode(), "url")]
    for form in base64_forms(raw):
        candidates += [(form, "base64"), (form.replace(b"+", b"-").replace(b"/", b"_"), "base64")]
    candidates += [(raw.hex().encode(), "hex"), (raw.hex().upper().encode(), "hex")]
    escaped = json.dumps(value)[1:-1]
    candidates += [(escaped.encode(), "json"), (escaped.replace("/", "\\/").encode(), "json")]
    if len(value) > min_prefix:
        candidates.append((value[:min_prefix].encode(), "prefix"))
    seen: set[bytes] = set()
    needles = []
    for data, encoding in candidates:
        if data in seen or len(data) < min(MIN_NEEDLE, len(raw)):
            continue
        seen.add(data)
        needles.append(Needle(data, encoding))
    return needles
