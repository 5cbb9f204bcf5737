"""Gate: the key's IP whitelist, from GET /api/v4/account/detail; nothing else is reported.

ccxt implicit method `privateAccountGetDetail` (notes/ccxt.md 2). The response is flat
(Gate API v4 "Get account detail"; gateio-api `AccountDetail` typings):

| field            | meaning                                        | KeyPermissions   |
| ---------------- | ---------------------------------------------- | ---------------- |
| `ip_whitelist`   | IPs the key is locked to; `[]` = any IP        | `ip_whitelist`   |
| `currency_pairs` | pairs the key may trade; a scope, not mapped   | -                |
| `key.mode`       | 1 classic, 2 portfolio account; not mapped     | -                |
| `user_id`, `tier`, `copy_trading_role` | account facts; not mapped | -          |

Gate's account detail carries **no withdraw, transfer or trade flag**, so `withdraw`,
`transfer`, `trade` and `futures` stay None and the audit reports them MANUAL (check
the key's permissions on Gate's API-key page). botguard does not guess them from
`GET /account/main_keys` (`perms[{name, read_only}]`): that lists the main account's
keys, and a writable `wallet` group is not documented to mean withdrawals.
"""

from __future__ import annotations

from typing import Any

from botguard.venues.types import KeyPermissions

IP_WHITELIST = "ip_whitelist"


async def read(exchange: Any) -> KeyPermissions:
    """The key's IP whitelist as Gate reports it; every permission flag unreported."""
    response = await exchange.privateAccountGetDetail()
    return parse(response)


def parse(response: Any) -> KeyPermissions:
    """KeyPermissions from the account detail; only `ip_whitelist` is ever set."""
    body = response if isinstance(response, dict) else {}
    value = body.get(IP_WHITELIST)
    if isinstance(value, str):
        value = value.split(",")
    ips = (
        tuple(str(ip).strip() for ip in value if str(ip).strip())
        if isinstance(value, list)
        else None
    )
    return KeyPermissions(
        ip_whitelist=ips,
        raw_fields=(IP_WHITELIST,) if IP_WHITELIST in body else (),
    )
