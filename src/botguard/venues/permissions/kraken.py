"""Kraken spot: what the key may do, from POST /0/private/GetApiKeyInfo.

ccxt implicit method `privatePostGetApiKeyInfo` (notes/ccxt.md 2); the endpoint needs
no permission itself (docs.kraken.com, "Get API Key Info"). ccxt returns the envelope
`{"error": [], "result": {...}}` and raises on a non-empty `error`. Fields of `result`:

| field         | meaning                                         | KeyPermissions        |
| ------------- | ----------------------------------------------- | --------------------- |
| `permissions` | list of names; `modify-trades` = Create & Modify | `trade`               |
|               | Orders                                          |                       |
|               | `withdraw-funds` = Withdraw Funds (Withdraw,    | `withdraw`, `transfer`|
|               | WalletTransfer, AccountTransfer to a subaccount)|                       |
| `ipAllowlist` | IPs/CIDRs the key is locked to; `[]` = any IP   | `ip_whitelist`        |
| `validUntil`  | unix seconds the key expires, `"0"` = never     | `expires_at`          |

Kraken gates master/subaccount transfers (AccountTransfer) behind the same Withdraw
Funds permission, so `withdraw-funds` also sets `transfer`. Spot keys cannot trade
Kraken Futures (separate keys, separate host), so `futures` stays None. Other names
(`query-funds`, `deposit-funds`, `cancel-close-trades`, ...) only read or cancel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botguard.venues.types import KeyPermissions

PERMISSIONS = "permissions"
IP_ALLOWLIST = "ipAllowlist"
VALID_UNTIL = "validUntil"
TRADE = "modify-trades"
WITHDRAW = "withdraw-funds"


async def read(exchange: Any) -> KeyPermissions:
    """The key's permissions as Kraken reports them."""
    response = await exchange.privatePostGetApiKeyInfo()
    return parse(response)


def parse(response: Any) -> KeyPermissions:
    """KeyPermissions from GetApiKeyInfo's `result`; a missing field is None."""
    result = response.get("result") if isinstance(response, dict) else None
    info = result if isinstance(result, dict) else {}
    names = _names(info.get(PERMISSIONS))
    withdraw = None if names is None else WITHDRAW in names
    return KeyPermissions(
        trade=None if names is None else TRADE in names,
        withdraw=withdraw,
        transfer=withdraw,
        ip_whitelist=_ips(info.get(IP_ALLOWLIST)),
        expires_at=_expiry(info.get(VALID_UNTIL)),
        raw_fields=tuple(f for f in (PERMISSIONS, IP_ALLOWLIST, VALID_UNTIL) if f in info),
    )


def _names(value: Any) -> frozenset[str] | None:
    """The permission names, lower-cased; None when the list is absent."""
    if not isinstance(value, list):
        return None
    return frozenset(str(name).strip().lower() for name in value)


def _ips(value: Any) -> tuple[str, ...] | None:
    """The allowlist as a tuple; () when empty, None when absent."""
    if not isinstance(value, list):
        return None
    return tuple(str(ip).strip() for ip in value if str(ip).strip())


def _expiry(value: Any) -> datetime | None:
    """`validUntil` as a UTC datetime; None for "0" (never expires) or absent."""
    try:
        seconds = int(str(value))
        return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None
    except (ValueError, OverflowError, OSError):  # not a number, or past year 9999
        return None
