"""Gate key facts through unmodified ccxt: the IP whitelist, and no withdraw flag.

The local aiohttp server stands in for api.gateio.ws because no exchange is reachable
from the test machine; it answers GET /api/v4/account/detail with the response Gate
documents (user_id, ip_whitelist, currency_pairs, key.mode, tier, copy_trading_role)
and checks ccxt's SIGN. The implicit method makes no other request (ccxt's
load_unified_status would call this same endpoint; we call it directly).
"""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

from botguard.testing.canary import CANARIES
from botguard.venues.permissions import gate
from tests.venues.permissions.exchange_stub import Endpoint, header_is, read_through_stub

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
CREDENTIALS = {"apiKey": API_KEY, "secret": SECRET}
PATH = "/api/v4/account/detail"


def _detail(ip_whitelist: list[str]) -> dict[str, object]:
    return {
        "user_id": 1667201533,
        "ip_whitelist": ip_whitelist,
        "currency_pairs": ["BTC_USDT"],
        "key": {"mode": 1},
        "tier": 2,
        "copy_trading_role": 0,
    }


def signed(request: web.Request, body: bytes) -> bool:
    """Gate v4: hex HMAC-SHA512 of method, path, query, SHA512(body), ts joined by newlines."""
    payload = "\n".join(
        [
            request.method,
            request.path,
            request.query_string,
            hashlib.sha512(body).hexdigest(),
            request.headers.get("Timestamp", ""),
        ]
    )
    expected = hmac.new(SECRET.encode(), payload.encode(), hashlib.sha512).hexdigest()
    return header_is(request, "KEY", API_KEY) and header_is(request, "SIGN", expected)


async def test_key_without_ip_whitelist_reports_no_permission_flags() -> None:
    endpoint = Endpoint("GET", PATH, _detail([]), signed)
    perms = await read_through_stub("gate", endpoint, CREDENTIALS)
    assert perms.ip_whitelist == ()
    # Gate's account detail has no withdraw/transfer/trade flag: the audit says MANUAL.
    assert (perms.withdraw, perms.transfer, perms.trade, perms.futures) == (None,) * 4
    assert perms.raw_fields == ("ip_whitelist",)
    [seen] = endpoint.seen
    assert {"KEY", "SIGN", "Timestamp"} <= seen.headers
    assert seen.signed


async def test_key_locked_to_ips() -> None:
    endpoint = Endpoint("GET", PATH, _detail(["203.0.113.7", "198.51.100.9"]), signed)
    perms = await read_through_stub("gate", endpoint, CREDENTIALS)
    assert perms.ip_whitelist == ("203.0.113.7", "198.51.100.9")
    assert perms.withdraw is None
    assert [seen.signed for seen in endpoint.seen] == [True]


def test_absent_whitelist_is_not_reported() -> None:
    perms = gate.parse({"user_id": 1, "key": {"mode": 1}})
    assert perms.ip_whitelist is None
    assert perms.raw_fields == ()
