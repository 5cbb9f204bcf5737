"""Binance request authentication: X-MBX-APIKEY, HMAC-SHA256 signature, timestamp window.

The checks run in the order Binance documents, and each failure is the real error
code and HTTP status, so ccxt raises the exception class it would raise live.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from botguard.sim import errors
from botguard.sim.state import Account, Exchange, now_ms

MAX_RECV_WINDOW_MS = 60_000
FUTURE_TOLERANCE_MS = 1_000
_KEY_FORMAT = re.compile(r"[A-Za-z0-9_.\-]{1,256}")
"""Binance keys are 64 alphanumerics; the sim also allows `-_.` for readable scenario keys."""


class Security(StrEnum):
    """What an endpoint requires, as in Binance's endpoint security types."""

    NONE = "NONE"
    """Public market data."""
    KEY = "KEY"
    """API key header only (MARKET_DATA, USER_STREAM)."""
    SIGNED = "SIGNED"
    """API key, timestamp and signature (TRADE, USER_DATA)."""


class Permission(StrEnum):
    """The key permission an endpoint needs beyond reading."""

    READ = "reading"
    SPOT = "spot"
    FUTURES = "futures"
    WITHDRAW = "withdraw"
    UNIVERSAL_TRANSFER = "universal_transfer"


@dataclass(frozen=True, slots=True)
class Signed:
    """The raw request parts a signature covers."""

    api_key: str | None
    query: str
    body: str


def authenticate(
    ex: Exchange, req: Signed, *, security: Security, permission: Permission, ip: str
) -> Account | None:
    """The account behind the request, or the BinanceError Binance would answer with."""
    if security is Security.NONE:
        return None
    if not req.api_key or not _KEY_FORMAT.fullmatch(req.api_key):
        raise errors.bad_key_format()
    account = ex.accounts.get(req.api_key)
    if account is None or account.spec.exchange != "binance":
        raise errors.rejected_key("unknown API key")
    if security is Security.SIGNED:
        _check_signature(account, req)
    whitelist = account.spec.ip_whitelist
    if whitelist and ip not in whitelist:
        raise errors.rejected_key(f"IP {ip} is not in the key's whitelist")
    if not getattr(account.spec.permissions, permission.value):
        raise errors.rejected_key(f"key lacks the {permission.value} permission")
    return account


def _strip_signature(part: str) -> tuple[str, str | None]:
    """Split `...&signature=hex` into the signed prefix and the signature."""
    if part.startswith("signature="):
        rest = part[len("signature=") :]
        sig, _, tail = rest.partition("&")
        return tail, sig
    prefix, sep, rest = part.partition("&signature=")
    if not sep:
        return part, None
    sig, _, tail = rest.partition("&")
    return prefix + ("&" + tail if tail else ""), sig


def _check_signature(account: Account, req: Signed) -> None:
    query, sig_q = _strip_signature(req.query)
    body, sig_b = _strip_signature(req.body)
    signature = sig_q or sig_b
    params = dict(p.split("=", 1) for p in f"{query}&{body}".split("&") if "=" in p)
    timestamp = params.get("timestamp")
    if not timestamp:
        raise errors.missing("timestamp")
    if not signature:
        raise errors.missing("signature")
    recv_window = _int(params.get("recvWindow", "5000"), "recvWindow")
    if recv_window > MAX_RECV_WINDOW_MS:
        raise errors.BinanceError(400, -1131, "recvWindow must be less than 60000")
    now, ts = now_ms(), _int(timestamp, "timestamp")
    if ts > now + FUTURE_TOLERANCE_MS or now - ts > recv_window:
        raise errors.stale_timestamp()
    payload = query + body
    expected = hmac.new(account.spec.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise errors.bad_signature()


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise errors.bad_param(name) from None
