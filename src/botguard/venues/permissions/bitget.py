"""Bitget: what the key may do, from GET /api/v2/spot/account/info.

ccxt implicit method `privateSpotGetV2SpotAccountInfo` (notes/ccxt.md 2). ccxt returns
the envelope `{"code": "00000", "msg": "success", "data": {...}}`. Fields of `data`
(bitget.com/api-doc/spot/account/Get-Account-Info):

| field         | meaning                                            | KeyPermissions  |
| ------------- | -------------------------------------------------- | --------------- |
| `authorities` | list of codes; the `...w` codes are read and write |                 |
|               | `coow` futures orders, `cpow` futures holdings,    | `trade`         |
|               | `stow` spot, `smow` margin, `ttow` copy trading    |                 |
|               | `coow`, `cpow`                                     | `futures`       |
|               | `wwow` wallet withdrawal                           | `withdraw`      |
|               | `wtow` wallet transfer, read and write (the wallet | `transfer`      |
|               | Transfer and Sub Transfer endpoints)               |                 |
| `ips`         | comma-separated IP whitelist; "" = any IP          | `ip_whitelist`  |

Read-only codes (`coor`, `stor`, `wtor`, ...) grant nothing that moves funds. The
docs' own sample still shows the older words `["trade", "readonly"]`; a list with
none of the current codes is read as those words (`trade`, `withdraw`, `transfer`),
and `futures` then stays None because `trade` there does not say which market.
`chow` (sub-account management) is not mapped: it manages sub-accounts and their keys
rather than moving funds itself (the docs do not say which code Sub Transfer needs;
it is a wallet endpoint, so `wtow` is the one read). Bitget reports no expiry.
"""

from __future__ import annotations

from typing import Any

from botguard.venues.types import KeyPermissions

AUTHORITIES = "authorities"
IPS = "ips"
TRADE_CODES = frozenset({"coow", "cpow", "stow", "smow", "ttow"})
FUTURES_CODES = frozenset({"coow", "cpow"})
WITHDRAW_CODE = "wwow"
TRANSFER_CODE = "wtow"
CURRENT_CODES = frozenset(
    {"coor", "cpor", "stor", "smor", "ttor", "wtor", "taxr", "chor", "p2pr", "pllr"}
    | {
        "coow",
        "cpow",
        "stow",
        "smow",
        "ttow",
        "wtow",
        "wwow",
        "chow",
        "p2p",
        "p2pw",
        "pllw",
        "taxw",
    }
)


async def read(exchange: Any) -> KeyPermissions:
    """The key's permissions as Bitget reports them."""
    response = await exchange.privateSpotGetV2SpotAccountInfo()
    return parse(response)


def parse(response: Any) -> KeyPermissions:
    """KeyPermissions from the account-info `data`; a missing field is None."""
    data = response.get("data") if isinstance(response, dict) else None
    info = data if isinstance(data, dict) else {}
    raw = info.get(AUTHORITIES)
    codes = frozenset(str(c).strip().lower() for c in raw) if isinstance(raw, list) else None
    return _from_codes(codes, ips=_ips(info.get(IPS)), info=info)


def _from_codes(
    codes: frozenset[str] | None, *, ips: tuple[str, ...] | None, info: dict[str, Any]
) -> KeyPermissions:
    raw_fields = tuple(name for name in (AUTHORITIES, IPS) if name in info)
    if codes is None:
        return KeyPermissions(ip_whitelist=ips, raw_fields=raw_fields)
    if codes & CURRENT_CODES:
        return KeyPermissions(
            trade=bool(codes & TRADE_CODES),
            withdraw=WITHDRAW_CODE in codes,
            transfer=TRANSFER_CODE in codes,
            futures=bool(codes & FUTURES_CODES),
            ip_whitelist=ips,
            raw_fields=raw_fields,
        )
    return KeyPermissions(
        trade="trade" in codes,
        withdraw="withdraw" in codes,
        transfer="transfer" in codes,
        ip_whitelist=ips,
        raw_fields=raw_fields,
    )


def _ips(value: Any) -> tuple[str, ...] | None:
    """`ips` as a tuple; () when empty, None when absent."""
    if isinstance(value, list):
        value = ",".join(str(item) for item in value)
    if not isinstance(value, str):
        return None
    return tuple(ip.strip() for ip in value.split(",") if ip.strip())
