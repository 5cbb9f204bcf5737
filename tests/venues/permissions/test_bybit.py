"""Bybit key permissions (GET /v5/user/query-api) through unmodified ccxt.

The local aiohttp server stands in for api.bybit.com because no exchange is
reachable from the test machine. It answers the one endpoint with the response
Bybit documents (v5 "Get API Key Information") and checks the X-BAPI-* headers and
HMAC signature as Bybit would.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from botguard.testing.canary import CANARIES
from tests.venues.permissions.stand_in import StandIn, account, fixed, read_account, serve

PATH = "/v5/user/query-api"
TRADER = {
    "ContractTrade": ["Order", "Position"], "Spot": ["SpotTrade"], "Wallet": ["AccountTransfer"],
    "Options": ["OptionsTrade"], "Derivatives": [], "CopyTrading": [], "BlockTrade": [],
    "Exchange": [], "NFT": [], "Affiliate": [], "Earn": [],
}  # fmt: skip


def query_api(**fields: Any) -> dict[str, Any]:
    """Bybit's documented answer; `fields` override the key's details."""
    result = {
        "id": "13770661", "note": "bot", "apiKey": "(the key)", "readOnly": 0, "secret": "",
        "permissions": TRADER, "ips": ["203.0.113.7"], "type": 1, "deadlineDay": -1,
        "expiredAt": "", "createdAt": "2025-10-16T02:24:40Z", "unified": 0, "uta": 1,
        "userID": 24617703, "inviterID": 0, "vipLevel": "No VIP", "mktMakerLevel": "0",
        "affiliateID": 0, "rsaPublicKey": "", "isMaster": True, "parentUid": "0",
        "kycLevel": "LEVEL_DEFAULT", "kycRegion": "",
    }  # fmt: skip
    result.update(fields)
    return {"retCode": 0, "retMsg": "", "result": result, "retExtInfo": {}, "time": 1697525239}


def bybit_signed(request: web.Request, body: bytes) -> bool:
    """X-BAPI-SIGN = hex(HMAC-SHA256(secret, ts + key + recvWindow + query))."""
    key = CANARIES["BOTGUARD_CANARY_API_KEY"]
    h = request.headers
    payload = h.get("X-BAPI-TIMESTAMP", "") + key + h.get("X-BAPI-RECV-WINDOW", "")
    payload += request.query_string
    secret = CANARIES["BOTGUARD_CANARY_SECRET"].encode()
    expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(h.get("X-BAPI-API-KEY", "").encode(), key.encode()) and (
        hmac.compare_digest(h.get("X-BAPI-SIGN", "").encode(), expected.encode())
    )


async def read(**fields: Any) -> tuple[Any, StandIn]:
    stand_in = StandIn({("GET", PATH): fixed(query_api(**fields))}, bybit_signed)
    async with serve(stand_in) as url:
        perms = await read_account(account("bybit", url))
    return perms, stand_in


async def test_ip_bound_trading_key() -> None:
    perms, stand_in = await read()
    assert (perms.trade, perms.futures, perms.withdraw, perms.transfer) == (
        True, True, False, False,
    )  # fmt: skip
    assert perms.ip_whitelist == ("203.0.113.7",)
    assert perms.expires_at is None
    assert stand_in.seen == [("GET", PATH, True)]


async def test_master_key_with_withdraw_and_sub_account_transfer_unbound() -> None:
    wallet = {**TRADER, "Wallet": ["AccountTransfer", "SubMemberTransfer", "Withdraw"]}
    perms, _ = await read(permissions=wallet, ips=["*"], expiredAt="2026-12-22T07:20:25Z")
    assert (perms.withdraw, perms.transfer) == (True, True)
    assert perms.ip_whitelist == ()  # "*": any address
    assert perms.expires_at == datetime(2026, 12, 22, 7, 20, 25, tzinfo=UTC)


async def test_read_only_key_cannot_trade() -> None:
    perms, _ = await read(readOnly=1)
    assert (perms.trade, perms.futures) == (False, False)
