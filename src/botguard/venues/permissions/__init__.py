"""Read what an API key may do from the exchange's own API, one module per exchange.

Each module exposes `async def read(exchange) -> KeyPermissions` over an unmodified
ccxt async exchange (implicit methods, notes/ccxt.md section 3). A field the exchange
does not report stays None, and the audit turns that into MANUAL with the reason:
botguard never probes a permission by trying to move funds.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from botguard.venues.errors import VenueUnsupported
from botguard.venues.types import KeyPermissions

Reader = Callable[[Any], Awaitable[KeyPermissions]]

READERS: dict[str, str] = {
    # ccxt exchange id -> module under botguard.venues.permissions
    "binance": "binance",
    "binanceusdm": "binance",
    "okx": "okx",
    "bybit": "bybit",
    "deribit": "deribit",
    "hyperliquid": "hyperliquid",
    "coinbase": "coinbase",
    "kraken": "kraken",
    "kucoin": "kucoin",
    "kucoinfutures": "kucoin",  # same key, same api.kucoin.com user/api-key endpoint
    "bitget": "bitget",
    "gate": "gate",
}
"""Explicit, so `botguard audit` lists exactly the exchanges it can judge."""


def reader_for(exchange_id: str) -> Reader:
    """The permission reader for a ccxt exchange id, or VenueUnsupported (MANUAL)."""
    module = READERS.get(exchange_id)
    if module is None:
        raise VenueUnsupported(
            f"botguard cannot read {exchange_id} key permissions; check the key page"
        )
    reader: Reader = importlib.import_module(f"{__name__}.{module}").read
    return reader


async def read_permissions(exchange: Any) -> KeyPermissions:
    """What the key configured on `exchange` may do, as the exchange reports it."""
    return await reader_for(str(exchange.id))(exchange)


__all__ = ["READERS", "KeyPermissions", "Reader", "read_permissions", "reader_for"]
