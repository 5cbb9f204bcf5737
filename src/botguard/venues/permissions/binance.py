"""Binance: GET /sapi/v1/account/apiRestrictions, the key's IP list and the address book.

Docs: developers.binance.com/docs/wallet/account/api-key-permission (flags),
.../wallet/capital/fetch-withdraw-address (`whiteStatus` per saved address).
The sapi host has no testnet, so this reads the live account (notes/ccxt.md 1.2).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from typing import Any

from botguard.venues.types import KeyPermissions

log = logging.getLogger(__name__)
SOURCES = (
    ("withdraw", "enableWithdrawals"),
    ("trade", "enableSpotAndMarginTrading"),
    ("futures", "enableFutures"),
    ("transfer", "permitsUniversalTransfer"),
    ("transfer", "enableInternalTransfer"),
    ("ip_whitelist", "ipRestrict"),
    ("ip_whitelist", "ipList"),
    ("expires_at", "tradingAuthorityExpirationTime"),
    ("withdrawal_whitelist", "whiteStatus"),
)
"""Which apiRestrictions (and ipRestriction, address book) field each verdict reads."""

_FLAGS = (
    "enableWithdrawals",
    "enableSpotAndMarginTrading",
    "enableFutures",
    "permitsUniversalTransfer",
    "enableInternalTransfer",
    "ipRestrict",
)


async def read(exchange: Any) -> KeyPermissions:
    """What the configured key may do, from Binance's own restriction flags.

    The three reads fly together (one round trip, not three); the address book,
    which costs the most request weight, goes last so ccxt's throttle never holds
    the other two behind it.
    """
    flags, ip_answer, whitelist = await _together(
        exchange.sapiGetAccountApiRestrictions(),
        _optional(exchange.sapiGetAccountApiRestrictionsIpRestriction(), "IP list"),
        _withdrawal_whitelist(exchange),
    )
    fields = [name for name in _FLAGS if name in flags]
    expires = _ms_to_utc(flags.get("tradingAuthorityExpirationTime"))
    if expires is not None:
        fields.append("tradingAuthorityExpirationTime")
    ips = _ip_list(flags, ip_answer)
    if ips:
        fields.append("ipList")
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
        sources=tuple((attr, name) for attr, name in SOURCES if name in fields),
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


def _ip_list(flags: Mapping[str, Any], answer: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The IPs the key is locked to: () when `ipRestrict` is false."""
    restricted = flags.get("ipRestrict")
    if restricted is False:
        return ()
    ips = answer.get("ipList")
    if restricted is not True or not isinstance(ips, list):
        return None  # restricted, but the list was not sent: "not reported", not "none"
    return tuple(str(ip) for ip in ips)


async def _withdrawal_whitelist(exchange: Any) -> bool | None:
    """True when every saved withdrawal address is whitelisted; None with no addresses.

    Binance's API does not show the whitelist switch itself. A saved address with
    `whiteStatus` false is one funds could be sent to outside the whitelist, so it
    counts against; an empty address book is no evidence either way.
    """
    addresses = await _optional(exchange.sapiGetCapitalWithdrawAddressList(), "address book")
    if not isinstance(addresses, list):
        return None
    statuses = [a.get("whiteStatus") if isinstance(a, Mapping) else None for a in addresses]
    if not statuses or not all(isinstance(s, bool) for s in statuses):
        return None
    return all(statuses)


async def _together(*calls: Awaitable[Any]) -> list[Any]:
    """Await all; on the first failure cancel the rest (the exchange closes next) and raise."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _optional(call: Awaitable[Any], what: str) -> Any:
    """A secondary read: if Binance refuses it, that field is "not reported" (MANUAL).

    The flags themselves are read by the caller without this; if the exchange is
    down, that read fails and says so.
    """
    import ccxt  # not at the top: the exchange made by venues/connect has ccxt lazy by now

    try:
        return await call
    except ccxt.BaseError as exc:
        log.debug("binance %s not read: %s", what, type(exc).__name__)
        return {}


def _ms_to_utc(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        ms = int(value)
        return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms > 0 else None
    except (ValueError, OverflowError, OSError):  # not a number, or past year 9999
        return None
