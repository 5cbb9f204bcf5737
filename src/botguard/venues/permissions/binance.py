"""Binance: GET /sapi/v1/account/apiRestrictions, the key's IP list and the address book.

Docs: developers.binance.com/docs/wallet/account/api-key-permission (flags),
.../wallet/capital/fetch-withdraw-address (`whiteStatus` per saved address).
The sapi host has no testnet, so this reads the live account (notes/ccxt.md 1.2).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import ccxt

from botguard.venues.types import KeyPermissions

log = logging.getLogger(__name__)

_FLAGS = (
    "enableWithdrawals",
    "enableSpotAndMarginTrading",
    "enableFutures",
    "permitsUniversalTransfer",
    "enableInternalTransfer",
    "ipRestrict",
)


async def read(exchange: Any) -> KeyPermissions:
    """What the configured key may do, from Binance's own restriction flags."""
    flags: Mapping[str, Any] = await exchange.sapiGetAccountApiRestrictions()
    fields = [name for name in _FLAGS if name in flags]
    expires = _ms_to_utc(flags.get("tradingAuthorityExpirationTime"))
    if expires is not None:
        fields.append("tradingAuthorityExpirationTime")
    ips = await _ip_list(exchange, flags)
    if ips:
        fields.append("ipList")
    whitelist = await _withdrawal_whitelist(exchange)
    if whitelist is not None:
        fields.append("whiteStatus")
    return KeyPermissions(
        trade=_flag(flags, "enableSpotAndMarginTrading"),
        withdraw=_flag(flags, "enableWithdrawals"),
        transfer=_transfer(flags),
        futures=_flag(flags, "enableFutures"),
        ip_whitelist=ips,
        expires_at=expires,
        withdrawal_whitelist=whitelist,
        raw_fields=tuple(fields),
    )


def _flag(flags: Mapping[str, Any], name: str) -> bool | None:
    value = flags.get(name)
    return value if isinstance(value, bool) else None


def _transfer(flags: Mapping[str, Any]) -> bool | None:
    """Universal transfer or master/sub internal transfer: either moves funds elsewhere."""
    values = [_flag(flags, "permitsUniversalTransfer"), _flag(flags, "enableInternalTransfer")]
    if any(values):
        return True
    return None if None in values else False


async def _ip_list(exchange: Any, flags: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The IPs the key is locked to: () when `ipRestrict` is false."""
    restricted = flags.get("ipRestrict")
    if restricted is False:
        return ()
    if restricted is not True:
        return None
    answer: Mapping[str, Any] = await exchange.sapiGetAccountApiRestrictionsIpRestriction()
    ips = answer.get("ipList")
    if not isinstance(ips, list):
        return None  # restricted, but the list was not sent: say "not reported", not "none"
    return tuple(str(ip) for ip in ips)


async def _withdrawal_whitelist(exchange: Any) -> bool | None:
    """True when every saved withdrawal address is whitelisted; None with no addresses.

    Binance's API does not show the whitelist switch itself. A saved address with
    `whiteStatus` false is one funds could be sent to outside the whitelist, so it
    counts against; an empty address book is no evidence either way.
    """
    try:
        addresses: list[Mapping[str, Any]] = await exchange.sapiGetCapitalWithdrawAddressList()
    except ccxt.AuthenticationError as exc:  # includes PermissionDenied
        log.debug("withdraw address list refused: %s", type(exc).__name__)
        return None
    statuses = [a.get("whiteStatus") for a in addresses]
    if not statuses or not all(isinstance(s, bool) for s in statuses):
        return None
    return all(statuses)


def _ms_to_utc(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        ms = int(value)
        return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms > 0 else None
    except (ValueError, OverflowError, OSError):  # not a number, or past year 9999
        return None
