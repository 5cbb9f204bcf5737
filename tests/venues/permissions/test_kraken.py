"""Kraken key permissions through unmodified ccxt.

The local aiohttp server stands in for api.kraken.com because no exchange is reachable
from the test machine; it answers POST /0/private/GetApiKeyInfo with the response
Kraken documents (docs.kraken.com, "Get API Key Info") and checks ccxt's API-Sign.
Kraken secrets are base64, so the test uses the base64 form of the canary secret
(the canary guard hunts that form too). The implicit method makes no other request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from botguard.testing.canary import CANARIES
from botguard.venues.permissions import kraken
from tests.venues.permissions.exchange_stub import Endpoint, header_is, read_through_stub

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = base64.b64encode(CANARIES["BOTGUARD_CANARY_SECRET"].encode()).decode()
PATH = "/0/private/GetApiKeyInfo"
CREDENTIALS = {"apiKey": API_KEY, "secret": SECRET}

RESULT: dict[str, Any] = {
    "apiKeyName": "my-api-key",
    "nonce": "1772627060997",
    "nonceWindow": 0,
    "permissions": ["query-funds", "withdraw-funds", "query-open-trades", "modify-trades"],
    "iban": "AA88 N84G WOAK NMOI",
    "validUntil": "0",
    "queryFrom": "0",
    "queryTo": "0",
    "createdTime": "1772542900",
    "modifiedTime": "1772543095",
    "ipAllowlist": [],
    "lastUsed": "1772627061",
}
PERMISSIVE = {"error": [], "result": RESULT}
LOCKED = {
    "error": [],
    "result": {
        **RESULT,
        "permissions": ["query-funds", "query-open-trades", "modify-trades", "cancel-close-trades"],
        "ipAllowlist": ["203.0.113.7", "198.51.100.0/24"],
        "validUntil": "1798761600",
    },
}


def signed(request: web.Request, body: bytes) -> bool:
    """Kraken's scheme: base64 HMAC-SHA512(b64decode(secret), path + SHA256(nonce + body))."""
    nonce = parse_qs(body.decode()).get("nonce", [""])[0]
    digest = hashlib.sha256(nonce.encode() + body).digest()
    mac = hmac.new(base64.b64decode(SECRET), request.path.encode() + digest, hashlib.sha512)
    expected = base64.b64encode(mac.digest()).decode()
    return header_is(request, "API-Key", API_KEY) and header_is(request, "API-Sign", expected)


async def test_key_with_withdraw_funds_and_no_allowlist() -> None:
    endpoint = Endpoint("POST", PATH, PERMISSIVE, signed)
    perms = await read_through_stub("kraken", endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, True, True)
    assert perms.ip_whitelist == ()
    assert perms.expires_at is None  # validUntil "0": never expires
    assert perms.futures is None
    assert perms.raw_fields == ("permissions", "ipAllowlist", "validUntil")
    [seen] = endpoint.seen
    assert {"API-Key", "API-Sign"} <= seen.headers
    assert seen.signed


async def test_trade_only_key_locked_to_ips_with_expiry() -> None:
    endpoint = Endpoint("POST", PATH, LOCKED, signed)
    perms = await read_through_stub("kraken", endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, False, False)
    assert perms.ip_whitelist == ("203.0.113.7", "198.51.100.0/24")
    assert perms.expires_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert [seen.signed for seen in endpoint.seen] == [True]


def test_result_without_fields_is_not_reported() -> None:
    perms = kraken.parse({"error": [], "result": {"apiKeyName": "x"}})
    assert (perms.trade, perms.withdraw, perms.ip_whitelist, perms.expires_at) == (None,) * 4
    assert perms.raw_fields == ()


NAMES = ["query-funds", "withdraw-funds", "deposit-funds", "modify-trades", "cancel-close-trades"]


@given(
    names=st.lists(st.sampled_from(NAMES) | st.text(max_size=10), max_size=6),
    valid_until=st.integers() | st.text(max_size=12) | st.none(),
)
def test_withdraw_is_exactly_withdraw_funds(names: list[str], valid_until: Any) -> None:
    perms = kraken.parse({"result": {"permissions": names, "validUntil": valid_until}})
    assert perms.withdraw is ("withdraw-funds" in names)
    assert perms.transfer is perms.withdraw
    assert perms.trade is ("modify-trades" in names)
    assert perms.expires_at is None or perms.expires_at.tzinfo is UTC
