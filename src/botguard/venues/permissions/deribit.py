"""Deribit: GET /api/v2/private/list_api_keys, the entry whose client_id is ours.

Docs: docs.deribit.com, private/list_api_keys (scope account:read). The answer
carries EVERY key's `client_secret`, so this module handles it as a secret:
ccxt's verbose print and debug log are silenced for the call, ccxt's copy of the
raw answer is dropped, every listed secret is registered with the redactor (so a
stray copy would print masked), and nothing but our entry's scope and IP list
leaves this module. Errors never quote the answer.

`max_scope` is a space-separated list such as
"account:read trade:read_write wallet:none". Withdrawals and transfers to other
(sub)accounts need `wallet:read_write`; trading needs `trade:read_write`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botguard.errors import VenueError
from botguard.secrets.redact import get_redactor
from botguard.venues.types import KeyPermissions

_SILENT = logging.getLogger(f"{__name__}.silent")
"""Drops everything (ccxt logs whole responses at DEBUG); it never reaches a handler."""
_SILENT.setLevel(logging.CRITICAL + 1)
_SILENT.propagate = False


async def read(exchange: Any) -> KeyPermissions:
    """What the configured key may do, from its own entry in list_api_keys."""
    with _quiet(exchange):
        answer: Mapping[str, Any] = await exchange.privateGetListApiKeys()
    listed = answer.get("result")
    keys = [k for k in listed if isinstance(k, Mapping)] if isinstance(listed, list) else []
    _register_secrets(keys)
    mine = next((k for k in keys if k.get("client_id") == exchange.apiKey), None)
    if mine is None:
        raise VenueError(
            f"deribit list_api_keys lists {len(keys)} key(s), none with the configured client id"
        )
    return _permissions(mine)


SOURCES = (
    ("trade", "max_scope"),
    ("trade", "enabled"),
    ("withdraw", "max_scope"),
    ("transfer", "max_scope"),
    ("ip_whitelist", "ip_whitelist"),
)


def _permissions(entry: Mapping[str, Any]) -> KeyPermissions:
    scope = entry.get("max_scope")
    scopes = set(scope.split()) if isinstance(scope, str) else None
    ips = entry.get("ip_whitelist")
    fields = [name for name in ("max_scope", "enabled", "ip_whitelist") if name in entry]
    return KeyPermissions(
        trade=None if scopes is None else _trades(scopes, entry),
        withdraw=None if scopes is None else "wallet:read_write" in scopes,
        transfer=None if scopes is None else "wallet:read_write" in scopes,
        ip_whitelist=tuple(str(ip) for ip in ips) if isinstance(ips, list) else None,
        raw_fields=tuple(fields),
        sources=tuple((attr, name) for attr, name in SOURCES if name in fields),
    )


def _trades(scopes: set[str], entry: Mapping[str, Any]) -> bool:
    return "trade:read_write" in scopes and entry.get("enabled") is not False


def _register_secrets(keys: list[Mapping[str, Any]]) -> None:
    """Every listed client_secret joins the redactor: masked wherever it might surface."""
    redactor = get_redactor()
    for entry in keys:
        secret = entry.get("client_secret")
        if isinstance(secret, str) and secret:
            redactor.register(secret)


@contextmanager
def _quiet(exchange: Any) -> Iterator[None]:
    """No verbose print, no debug log, no kept copy of the answer, for this one call."""
    saved = exchange.verbose, exchange.logger
    exchange.verbose, exchange.logger = False, _SILENT
    try:
        yield
    finally:
        exchange.verbose, exchange.logger = saved
        exchange.last_http_response = None
        exchange.last_json_response = None
