"""Binance key permissions from the real `botguard sim`, through unmodified ccxt.

The sim checks the HMAC signature, timestamp, API key and IP whitelist as Binance
does; each test seeds a key's restrictions in the scenario and checks what the
reader saw, and which requests the sim logged.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim
from botguard.venues.types import KeyPermissions
from tests.venues.permissions.stand_in import account, read_account

pytestmark = pytest.mark.sim
RESTRICTIONS = "/sapi/v1/account/apiRestrictions"
IP_LIST = "/sapi/v1/account/apiRestrictions/ipRestriction"
ADDRESSES = "/sapi/v1/capital/withdraw/address/list"


def sim_key(**overrides: Any) -> dict[str, Any]:
    """A scenario account whose key and secret are the canaries."""
    raw: dict[str, Any] = {
        "name": "main",
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "permissions": {"spot": True, "futures": True},
    }
    raw.update(overrides)
    return raw


async def read(**overrides: Any) -> tuple[KeyPermissions, list[str]]:
    async with start_sim({"account": [sim_key(**overrides)]}) as sim:
        perms = await read_account(account("binance", sim.url))
        paths = [entry["path"] for entry in sim.log()]
    return perms, paths


async def test_trade_only_key_locked_to_this_host() -> None:
    perms, paths = await read(ip_whitelist=["127.0.0.1", "203.0.113.7"])
    assert (perms.trade, perms.futures, perms.withdraw, perms.transfer) == (
        True, True, False, False,
    )  # fmt: skip
    assert perms.ip_whitelist == ("127.0.0.1", "203.0.113.7")
    assert perms.expires_at is None
    assert sorted(paths) == sorted([RESTRICTIONS, IP_LIST, ADDRESSES])  # sent together
    assert "enableWithdrawals" in perms.raw_fields
    assert "ipList" in perms.raw_fields


async def test_withdraw_and_transfer_key_without_ip_restriction() -> None:
    perms, _ = await read(permissions={"spot": True, "withdraw": True,
                                       "universal_transfer": True})  # fmt: skip
    assert (perms.withdraw, perms.transfer) == (True, True)
    assert perms.ip_whitelist == ()  # ipRestrict false


async def test_internal_transfer_alone_counts_as_transfer() -> None:
    perms, _ = await read(permissions={"internal_transfer": True})
    assert perms.transfer is True


async def test_trading_expiry_and_withdrawal_whitelist() -> None:
    until = datetime(2027, 3, 1, tzinfo=UTC)
    perms, _ = await read(
        trading_expires_ms=int(until.timestamp() * 1000),
        withdraw_addresses=[
            {"coin": "BTC", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "whitelisted": True},
            {"coin": "USDT", "address": "0x48101adb67d426cb15e46be5f1d9f6ab25f311ea",
             "network": "ETH", "whitelisted": False},
        ],
    )  # fmt: skip
    assert perms.expires_at == until
    assert perms.withdrawal_whitelist is False  # one saved address is outside the whitelist


async def test_an_empty_address_book_is_no_whitelist_evidence() -> None:
    perms, _ = await read()
    assert perms.withdrawal_whitelist is None
    whitelisted = [{"coin": "BTC", "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"}]
    perms, _ = await read(withdraw_addresses=whitelisted)
    assert perms.withdrawal_whitelist is True


async def test_a_failing_secondary_read_is_not_reported_and_the_flags_still_count() -> None:
    """A 503 on the IP list or the address book leaves only that field unknown (MANUAL)."""
    faults = f"GET {IP_LIST}:503,GET {ADDRESSES}:503"
    async with start_sim({"account": [sim_key(ip_whitelist=["127.0.0.1"])]}, faults=faults) as sim:
        perms = await read_account(account("binance", sim.url))
        statuses = sorted(entry["status"] for entry in sim.log())
    assert statuses == [200, 503, 503]
    assert (perms.withdraw, perms.trade) == (False, True)
    assert perms.ip_whitelist is None
    assert perms.withdrawal_whitelist is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("withdraw_addresses", [{"coin": "BTC", "address": "bc1q", "whitelisted": "yes"}],
         "account[0].withdraw_addresses[0].whitelisted: expected true or false"),
        ("withdraw_addresses", [{"coin": "BTC"}],
         "account[0].withdraw_addresses[0].address: expected a non-empty string"),
        ("trading_expires_ms", "soon", "account[0].trading_expires_ms: expected a whole number"),
    ],
)  # fmt: skip
def test_scenario_fields_for_the_key_are_checked(field: str, value: Any, message: str) -> None:
    from botguard.errors import ConfigError
    from botguard.sim.scenario import load_scenario

    with pytest.raises(ConfigError, match=re.escape(message)):
        load_scenario({"account": [sim_key(**{field: value})]})
