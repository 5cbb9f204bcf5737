"""Hyperliquid: is the configured private key the master wallet's, or an agent's?

The address check needs no server. For an agent, the local aiohttp server stands
in for api.hyperliquid.xyz (no exchange is reachable from the test machine) and
answers POST /info `userRole` and `extraAgents` with the shapes Hyperliquid
documents (info endpoint, "Query a user's role"), by request type.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from botguard.errors import VenueError
from tests.venues.permissions.stand_in import StandIn, account, read_account, serve

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
"""A published secp256k1 test vector: the Ethereum address of KEY (checksummed)."""
MASTER = "0x9f5a2b7c3d1e4f608172a3b4c5d6e7f8091a2b3c"
VALID_UNTIL = 1_900_000_000_000


def info(roles: dict[str, dict[str, Any]], agents: list[dict[str, Any]]) -> Any:
    """POST /info by type: userRole per address, extraAgents for the master."""

    def respond(request: web.Request, body: bytes) -> Any:
        asked = json.loads(body)
        if asked["type"] == "userRole":
            return roles.get(asked["user"].lower(), {"role": "missing"})
        assert asked == {"type": "extraAgents", "user": MASTER}
        return agents

    return respond


def hl_account(url: str, wallet: str) -> Any:
    return account("hyperliquid", url, private_key="env:HL_KEY", wallet_address=wallet)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HL_KEY", KEY)


async def read(roles: dict[str, dict[str, Any]], wallet: str = MASTER) -> tuple[Any, StandIn]:
    agents = [{"address": KEY_ADDRESS.lower(), "name": "bot", "validUntil": VALID_UNTIL}]
    stand_in = StandIn({("POST", "/info"): info(roles, agents)})
    async with serve(stand_in) as url:
        perms = await read_account(hl_account(url, wallet))
    return perms, stand_in


async def test_the_master_wallets_own_key_can_withdraw() -> None:
    perms, stand_in = await read({}, wallet=KEY_ADDRESS)  # checksummed case: still equal
    assert perms.is_master_wallet is True
    assert (perms.withdraw, perms.transfer) == (True, True)
    assert stand_in.seen == []  # decided from the key alone


async def test_an_agent_of_the_wallet_trades_but_cannot_withdraw() -> None:
    perms, stand_in = await read({KEY_ADDRESS.lower(): {"role": "agent", "data": {"user": MASTER}}})
    assert perms.is_master_wallet is False
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, False, False)
    assert perms.expires_at == datetime.fromtimestamp(VALID_UNTIL / 1000, tz=UTC)
    assert perms.ip_whitelist is None
    assert [path for _, path, _ in stand_in.seen] == ["/info", "/info"]


async def test_the_master_of_a_sub_account_wallet_can_move_its_funds() -> None:
    roles: dict[str, dict[str, Any]] = {
        KEY_ADDRESS.lower(): {"role": "user"},
        MASTER: {"role": "subAccount", "data": {"master": KEY_ADDRESS.lower()}},
    }
    perms, _ = await read(roles)
    assert perms.is_master_wallet is True
    assert perms.withdraw is True


async def test_an_unapproved_or_expired_agent_cannot_trade() -> None:
    perms, _ = await read({})  # userRole "missing"
    assert (perms.trade, perms.withdraw) == (False, False)


async def test_a_bad_private_key_names_the_setting_not_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HL_KEY", "0xnot-a-key")
    with pytest.raises(VenueError, match="private_key must be a 32-byte hex key") as err:
        await read({})
    assert "not-a-key" not in str(err.value)
