"""Hyperliquid: no API key, a wallet private key; judge whose key it is.

The address derived from the configured private key (ccxt's own
`eth_get_address_from_private_key`, as it signs) is compared with the configured
`wallet_address`:

- equal: the bot holds the master wallet's key, which can withdraw and transfer.
- otherwise POST /info {"type": "userRole"} for the derived address: an `agent`
  of this wallet (an API wallet) can trade but never withdraw or transfer, and
  {"type": "extraAgents"} of the wallet gives its `validUntil`. A `user` whose
  `subAccount` the wallet is can move the sub-account's funds. Anything else
  (`missing`: not approved or expired, or an agent of another wallet) cannot
  trade this wallet.

Hyperliquid keys have no IP whitelist, so that stays "not reported".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from botguard.errors import VenueError
from botguard.venues.types import KeyPermissions

_HEX_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")


async def read(exchange: Any) -> KeyPermissions:
    """Master key, agent of the wallet, or a key that cannot act for it."""
    wallet, signer = _addresses(exchange)
    if signer == wallet:
        return _master(("walletAddress",))
    role = await _info(exchange, {"type": "userRole", "user": signer})
    kind = role.get("role")
    data = _data(role)
    if kind == "agent" and str(data.get("user", "")).lower() == wallet:
        expires = await _agent_expiry(exchange, wallet, signer)
        fields = ("role", "validUntil") if expires else ("role",)
        return KeyPermissions(
            trade=True, withdraw=False, transfer=False, is_master_wallet=False,
            expires_at=expires, raw_fields=fields, sources=_sources(*fields),
        )  # fmt: skip
    if kind == "user" and await _is_sub_account_of(exchange, wallet, signer):
        return _master(("role", "data.master"))
    return KeyPermissions(
        trade=False, withdraw=False, transfer=False, is_master_wallet=False,
        raw_fields=("role",), sources=_sources("role"),
    )  # fmt: skip


def _master(fields: tuple[str, ...]) -> KeyPermissions:
    return KeyPermissions(
        trade=True, withdraw=True, transfer=True, is_master_wallet=True, raw_fields=fields,
        sources=_sources(*fields),
    )  # fmt: skip


def _sources(*fields: str) -> tuple[tuple[str, str], ...]:
    """Every verdict here comes from the same field(s); validUntil only from expiry."""
    decided = [f for f in fields if f != "validUntil"]
    pairs = [(attr, f) for attr in ("trade", "withdraw", "transfer") for f in decided]
    return (*pairs, *(("expires_at", f) for f in fields if f == "validUntil"))


def _addresses(exchange: Any) -> tuple[str, str]:
    """(wallet_address, address of the private key), lowercased; errors name the setting."""
    wallet = str(getattr(exchange, "walletAddress", "") or "").lower()
    key = str(getattr(exchange, "privateKey", "") or "")
    if not wallet:
        raise VenueError("hyperliquid: set wallet_address (the master wallet) on this account")
    if not _HEX_KEY.fullmatch(key):
        raise VenueError("hyperliquid: private_key must be a 32-byte hex key (64 hex digits)")
    return wallet, str(exchange.eth_get_address_from_private_key(key)).lower()


async def _info(exchange: Any, request: dict[str, str]) -> Mapping[str, Any]:
    answer = await exchange.publicPostInfo(request)
    return answer if isinstance(answer, Mapping) else {}


def _data(role: Mapping[str, Any]) -> Mapping[str, Any]:
    data = role.get("data")
    return data if isinstance(data, Mapping) else {}


async def _is_sub_account_of(exchange: Any, wallet: str, signer: str) -> bool:
    role = await _info(exchange, {"type": "userRole", "user": wallet})
    data = _data(role)
    return role.get("role") == "subAccount" and str(data.get("master", "")).lower() == signer


async def _agent_expiry(exchange: Any, wallet: str, signer: str) -> datetime | None:
    """The agent's `validUntil` from the wallet's extraAgents, if it is listed there."""
    agents = await exchange.publicPostInfo({"type": "extraAgents", "user": wallet})
    for agent in agents if isinstance(agents, list) else []:
        if isinstance(agent, Mapping) and str(agent.get("address", "")).lower() == signer:
            return _ms_to_utc(agent.get("validUntil"))
    return None


def _ms_to_utc(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):  # past year 9999
        return None
