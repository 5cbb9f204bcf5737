"""Helpers for driving unmodified ccxt.async_support.bybit against the sim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import ccxt.async_support as ccxt_async

from botguard.venues.connect import rebase_urls

KEY = "bybit-example-key-0001"
SECRET = "bybit-trader-secret-0001"
LEAN = {"fetchMarkets": {"types": ["spot", "linear"]}}
"""A spot + USDT-perp user: no inverse or option instruments."""


def bybit_account(**overrides: Any) -> dict[str, Any]:
    """One Bybit scenario account, funded, every trading permission."""
    base: dict[str, Any] = {
        "name": "bybit-main", "exchange": "bybit", "api_key": KEY, "secret": SECRET,
        "permissions": {"spot": True, "futures": True},
        "spot": {"USDT": "50000", "BTC": "1", "ETH": "10"}, "futures": {"USDT": "50000"},
    }  # fmt: skip
    base.update(overrides)
    return base


def exchange(url: str, **config: Any) -> Any:
    """ccxt bybit pointed at the sim (its `public` and `private` URLs rebased)."""
    params = {"apiKey": KEY, "secret": SECRET, "enableRateLimit": False, "options": dict(LEAN)}
    params.update(config)
    ex = ccxt_async.bybit(params)
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    return ex


@asynccontextmanager
async def opened(url: str, **config: Any) -> AsyncIterator[Any]:
    """A bybit exchange with markets loaded, closed afterwards."""
    ex = exchange(url, **config)
    try:
        await ex.load_markets()
        yield ex
    finally:
        await ex.close()
