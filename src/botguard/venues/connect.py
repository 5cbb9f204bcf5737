"""Build a ccxt async exchange for an account: credentials, options, base_url.

`base_url` (a `botguard sim`) is applied here and nowhere else: every `urls['api']`
entry keeps its path and gets the sim's scheme and host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async

from botguard.config import AccountConfig
from botguard.errors import ConfigError
from botguard.secrets.refs import resolve_secret

_CREDENTIAL_FIELDS = {
    "api_key": "apiKey",
    "secret": "secret",
    "password": "password",
    "uid": "uid",
    "private_key": "privateKey",
}


def exchange_class(exchange_id: str) -> type[Any]:
    """The ccxt async class for an id, or a ConfigError naming the id."""
    cls = getattr(ccxt_async, exchange_id, None)
    if cls is None or exchange_id not in ccxt_async.exchanges:
        raise ConfigError(f"exchange {exchange_id!r} is not a ccxt exchange id")
    return cls  # type: ignore[no-any-return]


def credentials(account: AccountConfig) -> dict[str, str]:
    """Resolve the account's secret references into ccxt constructor keys."""
    creds: dict[str, str] = {}
    for field, ccxt_key in _CREDENTIAL_FIELDS.items():
        ref = getattr(account, field)
        if ref is not None:
            creds[ccxt_key] = resolve_secret(ref).reveal()
    if account.wallet_address:
        creds["walletAddress"] = account.wallet_address
    return creds


def rebase_urls(urls: Any, base_url: str) -> Any:
    """Replace scheme and host of every URL in ccxt's nested `urls['api']` structure."""
    base = urlsplit(base_url)
    if isinstance(urls, dict):
        return {key: rebase_urls(value, base_url) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        return parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()
    return urls


def open_exchange(
    account: AccountConfig, *, options: dict[str, Any] | None = None, **config: Any
) -> Any:
    """A ccxt async exchange for `account`, credentials set, pointed at base_url if any."""
    cls = exchange_class(account.exchange)
    params: dict[str, Any] = {"enableRateLimit": True, **credentials(account), **config}
    if options:
        params["options"] = options
    exchange = cls(params)
    if account.base_url:
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], account.base_url)
    elif account.sandbox:
        exchange.set_sandbox_mode(True)
    return exchange
