"""KuCoin: what the key may do, from GET /api/v1/user/api-key ("Get Apikey Info").

ccxt implicit method `privateGetUserApiKey` (notes/ccxt.md 2). ccxt returns the
envelope `{"code": "200000", "data": {...}}`. Fields of `data`:

| field         | meaning                                          | KeyPermissions     |
| ------------- | ------------------------------------------------ | ------------------ |
| `permission`  | comma list of groups, e.g. "General,Spot,Futures" |                    |
|               | `Spot`, `Margin`, `Futures` place orders         | `trade`            |
|               | `Futures`                                        | `futures`          |
|               | `Withdrawal`: withdraw, deposit addresses        | `withdraw`         |
|               | `FlexTransfers`: universal transfer, including   | `transfer`         |
|               | master <-> sub-account                           |                    |
| `ipWhitelist` | IPs the key is locked to (comma string or list)  | `ip_whitelist`     |

Group names per KuCoin's API permission list (General, Spot, Margin, Futures, Earn,
Withdrawal, FlexTransfers). Keys from before the 2021 v2 upgrade used `Trade` (orders)
and `Transfer` ("transfer funds, including deposit and withdrawal"): `Trade` counts as
trade and `Transfer` as both withdraw and transfer, so an old key is never judged
safer than it is. Names compare case-insensitively. An empty `ipWhitelist` means no
IP restriction (); an absent one is not reported (None). KuCoin reports no expiry.
"""

from __future__ import annotations

from typing import Any

from botguard.venues.types import KeyPermissions

PERMISSION = "permission"
IP_WHITELIST = "ipWhitelist"
TRADE = frozenset({"spot", "margin", "futures", "trade"})
WITHDRAW = frozenset({"withdrawal", "transfer"})
TRANSFER = frozenset({"flextransfers", "transfer"})


async def read(exchange: Any) -> KeyPermissions:
    """The key's permissions as KuCoin reports them."""
    response = await exchange.privateGetUserApiKey()
    return parse(response)


def parse(response: Any) -> KeyPermissions:
    """KeyPermissions from the api-key `data`; a missing field is None."""
    data = response.get("data") if isinstance(response, dict) else None
    info = data if isinstance(data, dict) else {}
    names = _split(info.get(PERMISSION))
    groups = None if names is None else frozenset(name.lower() for name in names)
    ips = _split(info.get(IP_WHITELIST))
    return KeyPermissions(
        trade=None if groups is None else bool(groups & TRADE),
        withdraw=None if groups is None else bool(groups & WITHDRAW),
        transfer=None if groups is None else bool(groups & TRANSFER),
        futures=None if groups is None else "futures" in groups,
        ip_whitelist=None if ips is None else tuple(ips),
        raw_fields=tuple(name for name in (PERMISSION, IP_WHITELIST) if name in info),
    )


def _split(value: Any) -> list[str] | None:
    """A comma-separated string or a JSON list as clean items; None when absent."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        return None
    return [str(item).strip() for item in items if str(item).strip()]
