"""OKX request authentication: OK-ACCESS-KEY / SIGN / TIMESTAMP / PASSPHRASE.

https://www.okx.com/docs-v5/en/#overview-rest-authentication-signature
SIGN = base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body)), where the
request path carries the query string of a GET and the body is the JSON of a POST. The
timestamp is ISO 8601 with milliseconds and must be within 30 s of the server's clock.
Refusals are HTTP 401 with OKX's 501xx codes, so ccxt raises what it raises live.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from botguard.sim.okx.wire import OkxError
from botguard.sim.state import Account, Exchange, now_ms

MAX_SKEW_MS = 30_000


@dataclass(frozen=True, slots=True)
class OkxSigned:
    """The headers and raw parts one OKX signature covers."""

    key: str | None
    sign: str | None
    timestamp: str | None
    passphrase: str | None
    method: str
    path: str
    """The request path with `?query` for a GET, exactly as sent."""
    body: str


def _refuse(code: str, msg: str, reason: str = "") -> OkxError:
    return OkxError(code, msg, status=401, reason=reason)


def authenticate(ex: Exchange, req: OkxSigned, *, ip: str) -> Account:
    """The account behind a signed request, or the OKX error the exchange answers."""
    if not req.key:
        raise _refuse("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.')
    if not req.passphrase:
        raise _refuse("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.')
    if not req.sign:
        raise _refuse("50106", 'Request header "OK-ACCESS-SIGN" cannot be empty.')
    if not req.timestamp:
        raise _refuse("50107", 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.')
    account = ex.accounts.get(req.key)
    if account is None or account.spec.exchange != "okx":
        raise _refuse("50111", "Invalid OK-ACCESS-KEY.", "unknown API key (or not an OKX key)")
    ts = _parse_ts(req.timestamp)
    if abs(now_ms() - ts) > MAX_SKEW_MS:
        raise _refuse("50102", "Timestamp request expired.")
    if not hmac.compare_digest(req.passphrase, account.spec.passphrase):
        raise _refuse("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
    payload = req.timestamp + req.method + req.path + req.body
    digest = hmac.new(account.spec.secret.encode(), payload.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), req.sign):
        raise _refuse("50113", "Invalid Sign.")
    whitelist = account.spec.ip_whitelist
    if whitelist and ip not in whitelist:
        raise _refuse("50110", f"Your IP {ip} is not included in your API key's IP whitelist.")
    return account


def _parse_ts(raw: str) -> int:
    """`2020-12-08T09:08:57.715Z` as epoch ms; 50112 if it is not that format."""
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _refuse("50112", "Invalid OK-ACCESS-TIMESTAMP.") from None
    if when.tzinfo is None:
        raise _refuse("50112", "Invalid OK-ACCESS-TIMESTAMP.")
    return int(when.timestamp() * 1000)


def perm(account: Account) -> str:
    """The key's `perm` as account/config lists it: read_only, trade, withdraw."""
    p = account.spec.permissions
    granted = ["read_only"]
    if p.spot or p.futures:
        granted.append("trade")
    if p.withdraw:
        granted.append("withdraw")
    return ",".join(granted)


def need_trade(account: Account, *, swap: bool) -> None:
    """50120 when the key may not trade (or, for swaps, has no derivatives right).

    OKX keys have read/trade/withdraw only; the sim's `futures = false` stands for an
    account that may not trade derivatives and answers the same code.
    """
    p = account.spec.permissions
    if not (p.futures if swap else p.spot):
        raise OkxError("50120", "API key doesn't have permission to access this endpoint.",
                       status=401, reason="key lacks the trade permission")  # fmt: skip
