"""OKX key permissions (GET /api/v5/account/config) through unmodified ccxt.

The local aiohttp server stands in for www.okx.com because no exchange is reachable
from the test machine. It answers the one endpoint with the response OKX documents
(API v5, "Get account configuration"; the same sample ccxt quotes in okx.py) and
checks the OK-ACCESS-* headers and HMAC signature exactly as OKX would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from aiohttp import web

from botguard.testing.canary import CANARIES
from tests.venues.permissions.stand_in import StandIn, account, fixed, read_account, serve

PATH = "/api/v5/account/config"


def config(perm: str, ip: str) -> dict[str, Any]:
    """OKX's documented answer, with the key's `perm` and `ip`."""
    return {
        "code": "0",
        "msg": "",
        "data": [
            {
                "acctLv": "2", "autoLoan": False, "ctIsoMode": "automatic", "greeksType": "PA",
                "ip": ip, "kycLv": "3", "label": "v5 test", "level": "Lv1", "levelTmp": "",
                "liquidationGear": "-1", "mainUid": "44705892343619584",
                "mgnIsoMode": "automatic", "opAuth": "1", "perm": perm,
                "posMode": "long_short_mode", "roleType": "0", "spotOffsetType": "",
                "spotRoleType": "0", "spotTraderInsts": [], "traderInsts": [], "type": "0",
                "uid": "44705892343619584",
            }
        ],
    }  # fmt: skip


def okx_signed(request: web.Request, body: bytes) -> bool:
    """OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, ts + METHOD + path?query + body))."""
    ts = request.headers.get("OK-ACCESS-TIMESTAMP", "")
    payload = (ts + request.method + request.path_qs).encode() + body
    secret = CANARIES["BOTGUARD_CANARY_SECRET"].encode()
    expected = base64.b64encode(hmac.new(secret, payload, hashlib.sha256).digest()).decode()
    checks = [
        ("OK-ACCESS-KEY", CANARIES["BOTGUARD_CANARY_API_KEY"]),
        ("OK-ACCESS-PASSPHRASE", CANARIES["BOTGUARD_CANARY_PASSWORD"]),
        ("OK-ACCESS-SIGN", expected),
    ]
    return all(
        hmac.compare_digest(request.headers.get(name, "").encode(), value.encode())
        for name, value in checks
    )


async def read(perm: str, ip: str) -> tuple[Any, StandIn]:
    stand_in = StandIn({("GET", PATH): fixed(config(perm, ip))}, okx_signed)
    async with serve(stand_in) as url:
        perms = await read_account(account("okx", url, password="env:BOTGUARD_CANARY_PASSWORD"))
    return perms, stand_in


async def test_trade_only_key_bound_to_ips() -> None:
    perms, stand_in = await read("read_only,trade", "203.0.113.7,198.51.100.2")
    assert (perms.trade, perms.withdraw) == (True, False)
    assert perms.ip_whitelist == ("203.0.113.7", "198.51.100.2")
    assert stand_in.seen == [("GET", PATH, True)]  # one signed request, nothing else


async def test_withdraw_key_without_ip_binding() -> None:
    perms, _ = await read("read_only,withdraw,trade", "")
    assert perms.withdraw is True
    assert perms.ip_whitelist == ()


async def test_read_only_key_cannot_trade_and_transfers_are_not_reported() -> None:
    perms, _ = await read("read_only", "")
    assert perms.trade is False
    assert perms.transfer is None  # OKX has no separate transfer permission: MANUAL
    assert perms.raw_fields == ("perm", "ip")
