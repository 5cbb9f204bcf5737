"""Build a ccxt async exchange for an account: credentials, options, base_url.

`base_url` (a `botguard sim`) is applied here and nowhere else: every `urls['api']`
entry keeps its path and gets the sim's scheme and host. Every exchange made here has
its verbose prints, debug logs and HTTP errors redacted, and imports only its own module
(`venues/lazy.py`), so a kill does not wait for ccxt's hundred other exchanges.
"""

from __future__ import annotations

import logging
import ssl
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botguard.errors import ConfigError
from botguard.secrets.refs import resolve_secret
from botguard.venues import lazy
from botguard.venues.redaction import redact_exchange

if TYPE_CHECKING:
    from botguard.config import AccountConfig

logger = logging.getLogger(__name__)

_CREDENTIAL_FIELDS = {
    "api_key": "apiKey",
    "secret": "secret",
    "password": "password",
    "uid": "uid",
    "private_key": "privateKey",
}


def _lookup(ccxt_async: ModuleType, exchange_id: str) -> type[Any] | None:
    """The async exchange class for an id in ccxt's own list, checked to be one."""
    from ccxt.async_support.base.exchange import Exchange

    if exchange_id not in ccxt_async.exchanges:
        return None
    cls = getattr(ccxt_async, exchange_id)
    if not (isinstance(cls, type) and issubclass(cls, Exchange)):
        raise TypeError(f"ccxt.async_support.{exchange_id} is not an exchange class")
    return cls


def _lazy_lookup(exchange_id: str) -> type[Any] | None:
    """Import only this exchange's module; on any surprise undo and return None."""
    before = set(sys.modules)
    try:
        return _lookup(lazy.install_lazy("ccxt.async_support"), exchange_id)
    except Exception:  # any failure: import ccxt whole instead
        logger.debug("lazy ccxt import failed; importing all of ccxt", exc_info=True)
        lazy.forget_new_modules("ccxt", before)
        for name in ("ccxt", "ccxt.async_support"):  # left from an earlier account
            if lazy.is_lazy(name):
                lazy.complete(sys.modules[name])
        return None


def exchange_class(exchange_id: str) -> type[Any]:
    """The ccxt async class for an id, or a ConfigError naming the id."""
    cls = None
    use_lazy = lazy.is_enabled() and ("ccxt" not in sys.modules or lazy.is_lazy("ccxt"))
    if use_lazy:
        cls = _lazy_lookup(exchange_id)
    if cls is None:
        import ccxt.async_support as ccxt_async

        cls = _lookup(ccxt_async, exchange_id)
    if cls is None:
        raise ConfigError(f"exchange {exchange_id!r} is not a ccxt exchange id")
    return cls


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
    """Replace scheme and host of every URL in ccxt's nested `urls['api']` structure.

    Websocket URLs (ccxt.pro's `ws` tree) go to the same host as ws:// (wss:// when the
    base is https), path kept: a client pointed at a sim must never stream from, or
    log in to, the real exchange. The sim refuses them; nothing is dialled out.
    """
    base = urlsplit(base_url)
    if isinstance(urls, dict):
        return {key: rebase_urls(value, base_url) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        parts = urlsplit(urls)
        return parts._replace(scheme=base.scheme, netloc=base.netloc).geturl()
    if isinstance(urls, str) and urls.startswith(("ws://", "wss://")):
        scheme = "wss" if base.scheme == "https" else "ws"
        return urlsplit(urls)._replace(scheme=scheme, netloc=base.netloc).geturl()
    return urls


_SSL_CONTEXTS: dict[str, ssl.SSLContext] = {}
"""One verifying context per CA file, shared by every exchange this process opens."""


def share_ssl_context(exchange: Any) -> None:
    """Give `exchange` the process's verifying SSL context for its CA file.

    ccxt builds a context per instance on its first request (`open()`: reading and
    parsing certifi's bundle, 25 ms of CPU each on the event loop, measured as 4 of an
    audit's first 0.9 s). The shared one is built as ccxt builds its own, so it is as
    strict (CERT_REQUIRED, hostname checked); an instance set not to verify, or to add
    the OS's certificates, or already given a context, keeps ccxt's way.
    """
    if exchange.ssl_context is not None or exchange.verify is not True:
        return
    if exchange.safe_bool(exchange.options, "include_OS_certificates", False):
        return
    cafile = exchange.cafile
    if cafile not in _SSL_CONTEXTS:
        _SSL_CONTEXTS[cafile] = ssl.create_default_context(cafile=cafile)
    exchange.ssl_context = _SSL_CONTEXTS[cafile]


def open_exchange(
    account: AccountConfig, *, options: dict[str, Any] | None = None, **config: Any
) -> Any:
    """A ccxt async exchange for `account`: credentials set, output redacted, at base_url."""
    cls = exchange_class(account.exchange)
    params: dict[str, Any] = {"enableRateLimit": True, **credentials(account), **config}
    if options:
        params["options"] = options
    exchange = cls(params)
    if account.base_url:
        exchange.urls["api"] = rebase_urls(exchange.urls["api"], account.base_url)
    elif account.sandbox:
        exchange.set_sandbox_mode(True)
    share_ssl_context(exchange)
    return redact_exchange(exchange)
