"""Bybit v5 request authentication: X-BAPI-API-KEY / SIGN / TIMESTAMP / RECV-WINDOW.

https://bybit-exchange.github.io/docs/v5/guide#authentication
SIGN = hex(HMAC-SHA256(secret, timestamp + apiKey + recvWindow + payload)); the payload
is the query string of a GET or the JSON body of a POST. The timestamp must satisfy
server_time - recv_window <= timestamp < server_time + 1000. Refusals are retCodes with
HTTP 200 (10003 key, 10004 sign, 10002 time, 10010 IP, 10005 permission).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from botguard.sim.bybit.wire import BybitError
from botguard.sim.state import Account, Exchange, now_ms

DEFAULT_RECV_WINDOW = 5000


@dataclass(frozen=True, slots=True)
class BybitSigned:
    """The headers and raw payload one Bybit signature covers."""

    key: str | None
    sign: str | None
    timestamp: str | None
    recv_window: str | None
    payload: str


def authenticate(ex: Exchange, req: BybitSigned, *, ip: str) -> Account:
    """The account behind a signed request, or the retCode Bybit answers."""
    if not req.key:
        raise BybitError(10003, "API key is invalid.", reason="no X-BAPI-API-KEY")
    account = ex.accounts.get(req.key)
    if account is None or account.spec.exchange != "bybit":
        raise BybitError(10003, "API key is invalid.", reason="unknown (or non-Bybit) key")
    if not req.timestamp or not _is_number(req.timestamp):
        raise BybitError(
            10002, "invalid request, please check your server timestamp or recv_window param"
        )
    raw_window = req.recv_window or ""
    window = int(raw_window) if _is_number(raw_window) else DEFAULT_RECV_WINDOW
    now, ts = now_ms(), int(req.timestamp)
    if not now - window <= ts < now + 1000:
        raise BybitError(
            10002,
            f"invalid request, please check your server timestamp or recv_window param. "
            f"req_timestamp[{ts}],server_timestamp[{now}],recv_window[{window}]",
        )
    payload = req.timestamp + req.key + (req.recv_window or "") + req.payload
    expected = hmac.new(account.spec.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not req.sign or not hmac.compare_digest(expected, req.sign.lower()):
        raise BybitError(10004, "error sign! origin_string[...]")
    whitelist = account.spec.ip_whitelist
    if whitelist and ip not in whitelist:
        raise BybitError(10010, "Unmatched IP, please check your API key's bound IP addresses.")
    return account


def need_trade(account: Account, *, linear: bool) -> None:
    """10005 when the key has no Spot (or Derivatives/ContractTrade) trading right."""
    p = account.spec.permissions
    if not (p.futures if linear else p.spot):
        raise BybitError(10005, "Permission denied, please check your API key permissions.")


def permissions(account: Account) -> dict[str, list[str]]:
    """`permissions` of /v5/user/query-api for the scenario's flags."""
    p = account.spec.permissions
    wallet = ["AccountTransfer"]
    if p.universal_transfer:
        wallet.append("SubMemberTransfer")
    if p.withdraw:
        wallet.append("Withdraw")
    return {
        "ContractTrade": ["Order", "Position"] if p.futures else [],
        "Spot": ["SpotTrade"] if p.spot else [],
        "Wallet": wallet, "Options": [], "Derivatives": ["DerivativesTrade"] if p.futures else [],
        "CopyTrading": [], "BlockTrade": [], "Exchange": [], "NFT": [], "Affiliate": [],
        "Earn": [],
    }  # fmt: skip


def _is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()
