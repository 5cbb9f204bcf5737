"""OKX: GET /api/v5/account/config, whose `perm` and `ip` describe the calling key.

`perm` is a comma list of read_only, trade and withdraw; `ip` the comma-separated
IPs bound to the key ("" = none). OKX has no separate transfer permission: a
master account's trade key can also move funds to sub-accounts (asset/transfer),
so transfers are "not reported" and the audit asks a person (MANUAL).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botguard.venues.types import KeyPermissions

SOURCES = (("trade", "perm"), ("withdraw", "perm"), ("transfer", "perm"), ("ip_whitelist", "ip"))


async def read(exchange: Any) -> KeyPermissions:
    """What the configured key may do, from OKX's account configuration."""
    answer: Mapping[str, Any] = await exchange.privateGetAccountConfig()
    data = answer.get("data")
    config: Mapping[str, Any] = data[0] if isinstance(data, list) and data else {}
    perm = config.get("perm")
    granted = {p.strip() for p in perm.split(",")} if isinstance(perm, str) else None
    return KeyPermissions(
        trade=None if granted is None else "trade" in granted,
        withdraw=None if granted is None else "withdraw" in granted,
        ip_whitelist=_ips(config.get("ip")),
        raw_fields=tuple(name for name in ("perm", "ip") if name in config),
        sources=tuple((attr, name) for attr, name in SOURCES if name in config),
    )


def _ips(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, str):
        return None
    return tuple(ip.strip() for ip in value.split(",") if ip.strip())
