"""KuCoin key permissions through unmodified ccxt (kucoin and kucoinfutures).

The local aiohttp server stands in for api.kucoin.com because no exchange is reachable
from the test machine; it answers GET /api/v1/user/api-key with the response KuCoin
documents ("Get Apikey Info": uid, subName, remark, apiKey, apiVersion, permission,
ipWhitelist, isMaster, createdAt) and checks ccxt's KC-API signature and passphrase.
The implicit method makes no other request (no /api/ua/v1/account/mode, no markets).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from botguard.testing.canary import CANARIES
from botguard.venues.permissions import kucoin
from tests.venues.permissions.exchange_stub import Endpoint, header_is, read_through_stub

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
PASSWORD = CANARIES["BOTGUARD_CANARY_PASSWORD"]
CREDENTIALS = {"apiKey": API_KEY, "secret": SECRET, "password": PASSWORD}
PATH = "/api/v1/user/api-key"


def _data(permission: str, ip_whitelist: str) -> dict[str, object]:
    return {
        "code": "200000",
        "data": {
            "uid": 165111215,
            "remark": "gridbot",
            "apiKey": "6710d6bbf8e1a60001b3b0a2",
            "apiVersion": 3,
            "permission": permission,
            "ipWhitelist": ip_whitelist,
            "isMaster": True,
            "createdAt": 1729821494000,
        },
    }


PERMISSIVE = _data("General,Spot,Margin,Futures,Withdrawal,FlexTransfers", "")
LOCKED = _data("General,Spot", "203.0.113.7,198.51.100.9")


def _b64_hmac(message: str) -> str:
    return base64.b64encode(
        hmac.new(SECRET.encode(), message.encode(), hashlib.sha256).digest()
    ).decode()


def signed(request: web.Request, body: bytes) -> bool:
    """KuCoin v2 keys: base64 HMAC-SHA256 of ts + method + path + body; passphrase HMACed."""
    payload = request.headers.get("KC-API-TIMESTAMP", "") + request.method + request.path_qs
    return (
        header_is(request, "KC-API-KEY", API_KEY)
        and header_is(request, "KC-API-KEY-VERSION", "2")
        and header_is(request, "KC-API-PASSPHRASE", _b64_hmac(PASSWORD))
        and header_is(request, "KC-API-SIGN", _b64_hmac(payload + body.decode()))
    )


@pytest.mark.parametrize("exchange_id", ["kucoin", "kucoinfutures"])
async def test_key_with_withdrawal_and_flex_transfers(exchange_id: str) -> None:
    endpoint = Endpoint("GET", PATH, PERMISSIVE, signed)
    perms = await read_through_stub(exchange_id, endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer, perms.futures) == (True,) * 4
    assert perms.ip_whitelist == ()
    assert perms.raw_fields == ("permission", "ipWhitelist")
    [seen] = endpoint.seen
    assert {"KC-API-KEY", "KC-API-SIGN", "KC-API-PASSPHRASE"} <= seen.headers
    assert seen.signed


async def test_spot_only_key_locked_to_ips() -> None:
    endpoint = Endpoint("GET", PATH, LOCKED, signed)
    perms = await read_through_stub("kucoin", endpoint, CREDENTIALS)
    assert (perms.trade, perms.withdraw, perms.transfer, perms.futures) == (
        True,
        False,
        False,
        False,
    )
    assert perms.ip_whitelist == ("203.0.113.7", "198.51.100.9")
    assert [seen.signed for seen in endpoint.seen] == [True]


def test_pre_2021_transfer_permission_counts_as_withdraw_and_transfer() -> None:
    perms = kucoin.parse({"data": {"permission": "General,Trade,Transfer"}})
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, True, True)
    assert perms.ip_whitelist is None  # absent: not reported


def test_read_only_key_with_list_whitelist() -> None:
    perms = kucoin.parse({"data": {"permission": "General", "ipWhitelist": ["203.0.113.7"]}})
    assert (perms.trade, perms.withdraw, perms.transfer) == (False, False, False)
    assert perms.ip_whitelist == ("203.0.113.7",)


GROUPS = ["General", "Spot", "Margin", "Futures", "Earn", "Withdrawal", "FlexTransfers"]


@given(groups=st.lists(st.sampled_from(GROUPS), unique=True), spaces=st.booleans())
def test_withdraw_follows_the_withdrawal_group(groups: list[str], spaces: bool) -> None:
    text = (", " if spaces else ",").join(groups)
    perms = kucoin.parse({"data": {"permission": text}})
    assert perms.withdraw is ("Withdrawal" in groups)
    assert perms.transfer is ("FlexTransfers" in groups)
    assert perms.futures is ("Futures" in groups)
    assert perms.trade is bool({"Spot", "Margin", "Futures"} & set(groups))
