"""Bitget key permissions through unmodified ccxt.

The local aiohttp server stands in for api.bitget.com because no exchange is reachable
from the test machine; it answers GET /api/v2/spot/account/info with the response
Bitget documents (bitget.com/api-doc/spot/account/Get-Account-Info: userId, inviterId,
ips, authorities, parentId, traderType, channelCode, channel, regisTime) and checks
ccxt's ACCESS-SIGN and passphrase. The implicit method makes no other request (no
/api/v3/account/settings, no markets).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from botguard.testing.canary import CANARIES
from botguard.venues.permissions import bitget
from tests.venues.permissions.exchange_stub import Endpoint, header_is, read_through_stub

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
PASSWORD = CANARIES["BOTGUARD_CANARY_PASSWORD"]
CREDENTIALS = {"apiKey": API_KEY, "secret": SECRET, "password": PASSWORD}
PATH = "/api/v2/spot/account/info"


def _info(authorities: list[str], ips: str) -> dict[str, object]:
    return {
        "code": "00000",
        "msg": "success",
        "requestTime": 1695808949356,
        "data": {
            "userId": "4815162342",
            "inviterId": "0",
            "ips": ips,
            "authorities": authorities,
            "parentId": 4815162342,
            "traderType": "not_trader",
            "channelCode": "",
            "channel": "",
            "regisTime": "1246566789345",
        },
    }


PERMISSIVE = _info(["coow", "cpow", "stow", "wtow", "wwow"], "")
LOCKED = _info(["coor", "cpor", "stow", "stor", "wtor"], "203.0.113.7,198.51.100.9")


def signed(request: web.Request, body: bytes) -> bool:
    """Bitget: base64 HMAC-SHA256 of ts + method + path + body; plaintext passphrase."""
    payload = request.headers.get("ACCESS-TIMESTAMP", "") + request.method + request.path_qs
    mac = hmac.new(SECRET.encode(), payload.encode() + body, hashlib.sha256)
    return (
        header_is(request, "ACCESS-KEY", API_KEY)
        and header_is(request, "ACCESS-PASSPHRASE", PASSWORD)
        and header_is(request, "ACCESS-SIGN", base64.b64encode(mac.digest()).decode())
    )


async def test_key_with_withdrawal_and_transfer_codes() -> None:
    endpoint = Endpoint("GET", PATH, PERMISSIVE, signed)
    perms = await read_through_stub("bitget", endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer, perms.futures) == (True,) * 4
    assert perms.ip_whitelist == ()
    assert perms.raw_fields == ("authorities", "ips")
    [seen] = endpoint.seen
    assert {"ACCESS-KEY", "ACCESS-SIGN", "ACCESS-PASSPHRASE"} <= seen.headers
    assert seen.signed


async def test_spot_trade_key_locked_to_ips() -> None:
    """Read-only futures and transfer codes (coor, cpor, wtor) grant nothing that moves funds."""
    endpoint = Endpoint("GET", PATH, LOCKED, signed)
    perms = await read_through_stub("bitget", endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer, perms.futures) == (
        True,
        False,
        False,
        False,
    )
    assert perms.ip_whitelist == ("203.0.113.7", "198.51.100.9")
    assert [seen.signed for seen in endpoint.seen] == [True]


def test_documented_sample_with_older_words() -> None:
    """The docs' own sample still shows ["trade", "readonly"]: trade, market unknown."""
    perms = bitget.parse(_info(["trade", "readonly"], "127.0.0.1"))
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, False, False)
    assert perms.futures is None
    assert perms.ip_whitelist == ("127.0.0.1",)


def test_missing_authorities_are_not_reported() -> None:
    perms = bitget.parse({"code": "00000", "data": {"userId": "1"}})
    assert (perms.trade, perms.withdraw, perms.ip_whitelist) == (None, None, None)


CODES = sorted(bitget.CURRENT_CODES)


@given(codes=st.lists(st.sampled_from(CODES), min_size=1, unique=True))
def test_withdraw_is_exactly_wwow(codes: list[str]) -> None:
    perms = bitget.parse({"data": {"authorities": codes, "ips": ""}})
    assert perms.withdraw is ("wwow" in codes)
    assert perms.transfer is ("wtow" in codes)
    assert perms.futures is bool({"coow", "cpow"} & set(codes))
    assert perms.trade is bool({"coow", "cpow", "stow", "smow", "ttow"} & set(codes))
