"""Helpers for driving unmodified ccxt (async binance / binanceusdm) against the sim."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import ccxt.async_support as ccxt_async

from botguard.venues.connect import rebase_urls

KEY = "trader-key-0001"
SECRET = "trader-secret-0001"


def account(**overrides: Any) -> dict[str, Any]:
    """One scenario account, funded on spot and futures, with every trading permission."""
    base: dict[str, Any] = {
        "name": "main",
        "api_key": KEY,
        "secret": SECRET,
        "permissions": {"spot": True, "futures": True},
        "spot": {"USDT": "50000", "BTC": "1", "ETH": "10"},
        "futures": {"USDT": "50000"},
    }
    base.update(overrides)
    return base


def scenario(*accounts: dict[str, Any], **sim: Any) -> dict[str, Any]:
    """A scenario mapping with the given accounts (default: one `main`)."""
    return {"sim": sim, "account": list(accounts) or [account()]}


def exchange(
    cls: Callable[..., Any], url: str, *, key: str = KEY, secret: str = SECRET, **config: Any
) -> Any:
    """A ccxt async exchange pointed at the sim, with futures error codes mapped.

    ccxt's client-side throttle is off (the sim enforces Binance's limits itself, and
    the throttle would make the suite slow); pass enableRateLimit=True to keep it.

    ccxt selects Binance's futures error table by hostname only; against a local URL we
    merge it into the generic table, as the production venue config does.
    """
    ex = cls({"apiKey": key, "secret": secret, "enableRateLimit": False, **config})
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    ex.exceptions["exact"] = {**ex.exceptions["exact"], **ex.exceptions["linear"]["exact"]}
    return ex


LEAN = {"fetchCurrencies": False, "fetchMargins": False}
"""Options a real futures-only user sets to skip sapi calls during load_markets."""


@asynccontextmanager
async def opened(cls: Callable[..., Any], url: str, **config: Any) -> AsyncIterator[Any]:
    """An exchange with markets loaded, closed afterwards."""
    ex = exchange(cls, url, **config)
    try:
        await ex.load_markets()
        yield ex
    finally:
        await ex.close()


def binance() -> Any:
    return ccxt_async.binance


def usdm() -> Any:
    return ccxt_async.binanceusdm
