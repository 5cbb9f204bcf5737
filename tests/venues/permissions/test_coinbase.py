"""Coinbase Advanced key permissions through unmodified ccxt.

The local aiohttp server stands in for api.coinbase.com because no exchange is
reachable from the test machine; it answers GET /api/v3/brokerage/key_permissions with
the response Coinbase documents (docs.cdp.coinbase.com, "Get API Key Permissions") and
checks ccxt's signature. Calling the implicit method makes no other request (no
markets, no time sync), which each test asserts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from hypothesis import given
from hypothesis import strategies as st

from botguard.testing.canary import CANARIES
from botguard.venues.permissions import coinbase
from tests.venues.permissions.exchange_stub import Endpoint, header_is, read_through_stub

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
PATH = "/api/v3/brokerage/key_permissions"

PERMISSIVE = {
    "can_view": True,
    "can_trade": True,
    "can_transfer": True,
    "portfolio_uuid": "8c3e6d41-6f0e-4c63-a7a5-5f0b2d1b9a10",
    "portfolio_type": "DEFAULT",
}
LOCKED = {**PERMISSIVE, "can_transfer": False}


def hmac_signed(request: web.Request, body: bytes) -> bool:
    """Coinbase's HMAC key scheme: hex HMAC-SHA256 over timestamp + method + path + body."""
    payload = request.headers.get("CB-ACCESS-TIMESTAMP", "") + request.method + request.path
    expected = hmac.new(SECRET.encode(), payload.encode() + body, hashlib.sha256).hexdigest()
    return header_is(request, "CB-ACCESS-KEY", API_KEY) and header_is(
        request, "CB-ACCESS-SIGN", expected
    )


async def test_key_that_can_transfer_can_withdraw_and_transfer() -> None:
    endpoint = Endpoint("GET", PATH, PERMISSIVE, hmac_signed)
    perms = await read_through_stub("coinbase", endpoint, {"apiKey": API_KEY, "secret": SECRET})
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, True, True)
    assert perms.ip_whitelist is None  # Coinbase does not report an allowlist: MANUAL
    assert perms.expires_at is None
    assert perms.raw_fields == ("can_trade", "can_transfer")
    [seen] = endpoint.seen
    assert {"CB-ACCESS-KEY", "CB-ACCESS-SIGN"} <= seen.headers
    assert seen.signed


async def test_trade_only_key() -> None:
    endpoint = Endpoint("GET", PATH, LOCKED, hmac_signed)
    perms = await read_through_stub("coinbase", endpoint, {"apiKey": API_KEY, "secret": SECRET})
    assert (perms.trade, perms.withdraw, perms.transfer) == (True, False, False)
    assert [seen.signed for seen in endpoint.seen] == [True]


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_verifier(public_key: Ed25519PublicKey, key_name: str) -> Any:
    """CDP Ed25519 keys: a Bearer EdDSA JWT whose kid and sub name the key."""

    def verify(request: web.Request, body: bytes) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        header_b64, payload_b64, signature_b64 = [*token.split("."), "", "", ""][:3]
        try:
            public_key.verify(_b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode())
        except Exception:  # any verification failure means "not signed"
            return False
        header = json.loads(_b64url_decode(header_b64))
        claims = json.loads(_b64url_decode(payload_b64))
        return (
            scheme == "Bearer"
            and header["alg"] == "EdDSA"
            and (header["kid"] == claims["sub"] == key_name)
        )

    return verify


async def test_cdp_ed25519_key_signs_a_jwt() -> None:
    """Current CDP keys (base64 Ed25519 secret) authenticate with a Bearer JWT, not HMAC."""
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key()
    secret = base64.b64encode(raw + public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()
    key_name = "organizations/0f1e2d3c/apiKeys/4b5a6978"
    endpoint = Endpoint("GET", PATH, LOCKED, jwt_verifier(public, key_name))
    perms = await read_through_stub("coinbase", endpoint, {"apiKey": key_name, "secret": secret})
    assert perms.withdraw is False
    [seen] = endpoint.seen
    assert "Authorization" in seen.headers
    assert seen.signed


def test_missing_flags_are_not_reported() -> None:
    perms = coinbase.parse({"can_view": True, "portfolio_type": "DEFAULT"})
    assert (perms.trade, perms.withdraw, perms.transfer) == (None, None, None)
    assert perms.raw_fields == ()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@given(
    can_transfer=st.booleans() | st.sampled_from(["true", "false", "yes", None, 1]),
    extra=st.dictionaries(st.text(max_size=12), json_values, max_size=4),
)
def test_parse_reads_can_transfer_and_nothing_else(
    can_transfer: Any, extra: dict[str, Any]
) -> None:
    """Withdraw is can_transfer when it is a JSON boolean (or its string), else unreported."""
    body = {**extra, "can_transfer": can_transfer}
    perms = coinbase.parse(body)
    expected: bool | None = None
    if isinstance(can_transfer, bool):
        expected = can_transfer
    else:
        expected = {"true": True, "false": False}.get(can_transfer) if can_transfer else None
    assert perms.withdraw is expected
    assert perms.transfer is expected
    assert set(perms.raw_fields) <= {"can_trade", "can_transfer"}
