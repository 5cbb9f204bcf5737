"""The encoded shapes a secret value takes when it leaks.

A value shows up URL-encoded in query strings, base64'd inside Basic auth or a
config blob (at any of three byte alignments within a longer base64 run), hex
dumped, or JSON-escaped. The redactor and the canary guard both hunt for these.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

MIN_FORM = 8
"""Encoded forms shorter than this would match noise and are skipped."""


def base64_forms(raw: bytes) -> list[str]:
    """The base64 characters fully fixed by `raw` at byte offsets 0, 1 and 2.

    Characters that mix in neighbouring bytes are dropped, so the form is found
    whatever surrounds the value inside a longer base64 text.
    """
    forms = []
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode()
        start = (pad * 8 + 5) // 6
        end = (pad + len(raw)) * 8 // 6
        forms.append(encoded[start:end])
    return forms


def encoded_forms(value: str) -> list[str]:
    """Every distinct form of `value`: raw, url, base64 (std/urlsafe), hex, json."""
    raw = value.encode()
    forms = [value, quote(value, safe=""), quote_plus(value), quote(value)]
    for form in base64_forms(raw):
        forms += [form, form.replace("+", "-").replace("/", "_")]
    forms += [raw.hex(), raw.hex().upper()]
    escaped = json.dumps(value)[1:-1]
    forms += [escaped, escaped.replace("/", "\\/"), json.dumps(value, ensure_ascii=False)[1:-1]]
    out: list[str] = []
    for form in forms:
        if form not in out and (form == value or len(form) >= min(MIN_FORM, len(value))):
            out.append(form)
    return out
