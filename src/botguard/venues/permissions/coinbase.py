"""Coinbase Advanced: what the key may do, from GET /api/v3/brokerage/key_permissions.

ccxt implicit method `v3PrivateGetBrokerageKeyPermissions` (notes/ccxt.md 2). The
response is flat (docs.cdp.coinbase.com, Advanced Trade "Get API Key Permissions"):

| field          | meaning                                        | KeyPermissions      |
| -------------- | ---------------------------------------------- | ------------------- |
| `can_trade`    | the key may place and cancel orders            | `trade`             |
| `can_transfer` | "send and receive funds, on and off platform"  | `withdraw`,         |
|                | (CDP's Transfer permission)                    | `transfer`          |
| `can_view`     | read-only access; not a risk, not mapped       | -                   |
| `portfolio_uuid`, `portfolio_type` | the one portfolio the key is scoped to | -     |

Coinbase has a single Transfer permission for both withdrawals and moves between
portfolios, so one flag feeds both verdicts. The response has no IP allowlist, no
expiry and no futures flag: those stay None (the audit says MANUAL, check the CDP key
page). `portfolio_type` "INTX" (perpetuals) is not read as a futures permission,
because the key's trade permission is what allows trading there.
"""

from __future__ import annotations

from typing import Any

from botguard.venues.types import KeyPermissions

TRADE = "can_trade"
TRANSFER = "can_transfer"


async def read(exchange: Any) -> KeyPermissions:
    """The key's permissions as Coinbase Advanced reports them."""
    response = await exchange.v3PrivateGetBrokerageKeyPermissions()
    return parse(response)


def parse(response: Any) -> KeyPermissions:
    """KeyPermissions from the key_permissions response; a missing flag is None."""
    body = response if isinstance(response, dict) else {}
    trade = _flag(body.get(TRADE))
    transfer = _flag(body.get(TRANSFER))
    return KeyPermissions(
        trade=trade,
        withdraw=transfer,
        transfer=transfer,
        raw_fields=tuple(name for name in (TRADE, TRANSFER) if name in body),
    )


def _flag(value: Any) -> bool | None:
    """A JSON boolean (or its string form) as bool; anything else is not reported."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None
