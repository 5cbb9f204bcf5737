"""Bybit: GET /v5/user/query-api, the calling key's permissions, IPs and expiry.

Docs: bybit-exchange.github.io/docs/v5/user/apikey-info. `permissions.Wallet`
holds "Withdraw" (master keys only) and "SubMemberTransfer" (moves funds to
another UID); "AccountTransfer" stays inside the UID, so it is not a transfer
to another account. `ips` is ["*"] for a key bound to no IP. `expiredAt` is
sent for keys without an IP binding (they expire after 90 days).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botguard.venues.types import KeyPermissions

SOURCES = (
    ("trade", "readOnly"),
    ("trade", "permissions.Spot"),
    ("futures", "readOnly"),
    ("futures", "permissions.ContractTrade"),
    ("futures", "permissions.Derivatives"),
    ("withdraw", "permissions.Wallet"),
    ("transfer", "permissions.Wallet"),
    ("ip_whitelist", "ips"),
    ("expires_at", "expiredAt"),
)


async def read(exchange: Any) -> KeyPermissions:
    """What the configured key may do, from Bybit's API-key information."""
    answer: Mapping[str, Any] = await exchange.privateGetV5UserQueryApi()
    info: Mapping[str, Any] = answer.get("result") or {}
    groups = info.get("permissions")
    wallet = _group(groups, "Wallet")
    fields = [name for name in ("readOnly", "permissions", "ips", "expiredAt") if name in info]
    return KeyPermissions(
        trade=_can(groups, ("Spot",), info),
        withdraw=None if wallet is None else "Withdraw" in wallet,
        transfer=None if wallet is None else "SubMemberTransfer" in wallet,
        futures=_can(groups, ("ContractTrade", "Derivatives"), info),
        ip_whitelist=_ips(info.get("ips")),
        expires_at=_when(info.get("expiredAt")),
        raw_fields=tuple(fields),
        sources=tuple((a, name) for a, name in SOURCES if name.split(".")[0] in fields),
    )


def _group(groups: Any, name: str) -> list[str] | None:
    if not isinstance(groups, Mapping):
        return None
    values = groups.get(name, [])
    return [str(v) for v in values] if isinstance(values, list) else None


def _can(groups: Any, names: tuple[str, ...], info: Mapping[str, Any]) -> bool | None:
    """Any permission in these groups, on a key that is not read-only."""
    if not isinstance(groups, Mapping):
        return None
    if info.get("readOnly") == 1:
        return False
    return any(_group(groups, name) for name in names)


def _ips(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    ips = tuple(str(ip) for ip in value if str(ip).strip())
    return () if "*" in ips else ips


def _when(value: Any) -> datetime | None:
    """`expiredAt` as an aware datetime ("2023-12-22T07:20:25Z"); "" or junk is None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None
