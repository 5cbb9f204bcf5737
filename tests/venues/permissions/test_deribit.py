"""Deribit key permissions (GET /api/v2/private/list_api_keys) through unmodified ccxt.

The local aiohttp server stands in for www.deribit.com because no exchange is
reachable from the test machine. It answers the one endpoint with the response
Deribit documents, which lists EVERY key of the account with its client_secret,
and checks ccxt's `deri-hmac-sha256` Authorization header as Deribit would.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

import pytest
from aiohttp import web

from botguard.errors import VenueError
from botguard.testing.canary import CANARIES
from botguard.venues.connect import open_exchange
from botguard.venues.permissions import read_permissions
from tests.venues.permissions.stand_in import StandIn, account, fixed, read_account, serve

PATH = "/api/v2/private/list_api_keys"
OTHER_SECRET = "dbOTHERsecretNEVERregisteredANYWHERE0123456789ab"
"""Another key's client_secret that nothing registers with the redactor beforehand."""


def key_entry(client_id: str, secret: str, scope: str, **extra: Any) -> dict[str, Any]:
    entry = {
        "timestamp": 1560236287708, "max_scope": scope, "id": 2, "enabled": True,
        "default": False, "client_secret": secret, "client_id": client_id, "name": "",
        "enabled_features": [],
    }  # fmt: skip
    entry.update(extra)
    return entry


def list_api_keys(scope: str, **extra: Any) -> dict[str, Any]:
    """Deribit's documented answer: our key among others, each with its secret."""
    ours = key_entry(CANARIES["BOTGUARD_CANARY_API_KEY"], CANARIES["BOTGUARD_CANARY_SECRET"],
                     scope, **extra)  # fmt: skip
    return {
        "jsonrpc": "2.0",
        "id": 2553,
        "result": [
            key_entry(
                "TiA4AyLPq3",
                CANARIES["BOTGUARD_CANARY_PASSWORD"],
                "account:read_write trade:read_write wallet:read_write",
            ),
            ours,
            key_entry("aD-KFx-H", OTHER_SECRET, "account:read wallet:read_write"),
        ],
    }


def deribit_signed(request: web.Request, body: bytes) -> bool:
    """`deri-hmac-sha256 id=KEY,ts=TS,sig=SIG,nonce=N`, SIG over ts, nonce, method, uri."""
    scheme, _, rest = request.headers.get("Authorization", "").partition(" ")
    parts = dict(p.split("=", 1) for p in rest.split(",") if "=" in p)
    data = f"{parts.get('ts')}\n{parts.get('nonce')}\n{request.method}\n{request.path_qs}\n\n"
    secret = CANARIES["BOTGUARD_CANARY_SECRET"].encode()
    expected = hmac.new(secret, data.encode(), hashlib.sha256).hexdigest()
    key = CANARIES["BOTGUARD_CANARY_API_KEY"]
    return scheme == "deri-hmac-sha256" and hmac.compare_digest(
        (parts.get("id", "") + parts.get("sig", "")).encode(), (key + expected).encode()
    )


async def read(answer: dict[str, Any]) -> tuple[Any, StandIn]:
    stand_in = StandIn({("GET", PATH): fixed(answer)}, deribit_signed)
    async with serve(stand_in) as url:
        perms = await read_account(account("deribit", url))
    return perms, stand_in


async def test_trade_only_key_with_ip_whitelist() -> None:
    answer = list_api_keys(
        "account:read trade:read_write wallet:none", ip_whitelist=["203.0.113.7"]
    )
    perms, stand_in = await read(answer)
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, False, False)
    assert perms.ip_whitelist == ("203.0.113.7",)
    assert stand_in.seen == [("GET", PATH, True)]


async def test_wallet_read_write_key_can_withdraw_and_transfer() -> None:
    perms, _ = await read(list_api_keys("account:read trade:read_write wallet:read_write"))
    assert (perms.withdraw, perms.transfer) == (True, True)
    assert perms.ip_whitelist is None  # not in the answer: not reported, MANUAL


async def test_no_secret_of_any_listed_key_is_kept_logged_or_printed(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """ccxt logs whole responses at DEBUG and keeps the last one: neither may hold a secret."""
    caplog.set_level(logging.DEBUG)
    stand_in = StandIn({("GET", PATH): fixed(list_api_keys("trade:read_write"))}, deribit_signed)
    async with serve(stand_in) as url:
        exchange = open_exchange(account("deribit", url))
        exchange.verbose = True  # as a user debugging their bot might have it
        try:
            await read_permissions(exchange)
            kept = f"{exchange.last_http_response} {exchange.last_json_response}"
        finally:
            await exchange.close()
    seen = " ".join(r.getMessage() for r in caplog.records) + kept + capsys.readouterr().out
    assert OTHER_SECRET not in seen
    assert "client_secret" not in seen


async def test_a_list_without_our_key_is_an_error_that_quotes_nothing() -> None:
    answer = list_api_keys("trade:read_write")
    answer["result"] = [k for k in answer["result"] if k["client_secret"] != CANARIES[
        "BOTGUARD_CANARY_SECRET"]]  # fmt: skip
    with pytest.raises(VenueError) as err:
        await read(answer)
    assert "2 key(s), none with the configured client id" in str(err.value)
    assert OTHER_SECRET not in str(err.value)
