"""`Venue.permissions()` reads the key's restrictions through the same reader as the audit."""

from __future__ import annotations

import pytest

from botguard.config import AccountConfig
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim
from botguard.venues import open_venue

pytestmark = pytest.mark.sim


async def test_a_venue_reports_a_withdraw_enabled_key_from_the_sim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    key = {
        "name": "main",
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "permissions": {"spot": True, "withdraw": True},
    }
    async with start_sim({"account": [key]}) as sim:
        account = AccountConfig(
            name="main",
            exchange="binance",
            api_key="env:BOTGUARD_CANARY_API_KEY",
            secret="env:BOTGUARD_CANARY_SECRET",
            base_url=sim.url,
        )
        venue = open_venue(account)
        try:
            perms = await venue.permissions()
        finally:
            await venue.close()
    assert perms.withdraw is True
    assert perms.trade is True
    assert perms.ip_whitelist == ()
