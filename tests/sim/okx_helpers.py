"""Helpers for driving unmodified ccxt.async_support.okx against the sim."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import ccxt.async_support as ccxt_async

from botguard.venues.connect import rebase_urls

KEY = "okx-example-key-0001"
SECRET = "okx-trader-secret-0001"
PASSPHRASE = "okx-pass-0001"
LEAN = {"fetchCurrencies": False, "fetchMarkets": {"types": ["spot", "swap"]}}
"""What a spot+swap user sets: no asset/currencies call, no futures/option instruments."""


def okx_account(**overrides: Any) -> dict[str, Any]:
    """One OKX scenario account, funded, every trading permission."""
    base: dict[str, Any] = {
        "name": "okx-main",
        "exchange": "okx",
        "api_key": KEY,
        "secret": SECRET,
        "passphrase": PASSPHRASE,
        "permissions": {"spot": True, "futures": True},
        "spot": {"USDT": "50000", "BTC": "1", "ETH": "10"},
        "futures": {"USDT": "50000"},
    }
    base.update(overrides)
    return base


def exchange(url: str, **config: Any) -> Any:
    """ccxt okx pointed at the sim (its one `rest` URL rebased)."""
    params = {"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE,
              "enableRateLimit": False, "options": dict(LEAN)}  # fmt: skip
    params.update(config)
    ex = ccxt_async.okx(params)
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    return ex


@asynccontextmanager
async def opened(url: str, **config: Any) -> AsyncIterator[Any]:
    """An okx exchange with markets loaded, closed afterwards."""
    ex = exchange(url, **config)
    try:
        await ex.load_markets()
        yield ex
    finally:
        await ex.close()
