"""Exchange adapters: the only package that imports ccxt.

`open_venue(account)` returns a Venue for an account: its own ccxt instance (never
the bot's), options preset so no hidden preflight call runs, markets from the
state-dir cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botguard.config import AccountConfig
    from botguard.venues.ccxt_venue import CcxtVenue

_BINANCE = ("binance", "binanceusdm")
VERIFIED_ON_SIM: frozenset[str] = frozenset(_BINANCE)
"""ccxt ids whose audit, kill and drill are verified end to end against `botguard sim`
(unmodified ccxt over HTTP). `botguard status` reads this; add an id when its sim lands."""


def open_venue(
    account: AccountConfig, *, cache_dir: Path | None = None, **config: Any
) -> CcxtVenue:
    """A Venue for `account` (markets not yet loaded: `await venue.load_markets()`)."""
    from botguard.venues.binance import BinanceVenue, preset_options
    from botguard.venues.ccxt_venue import CcxtVenue
    from botguard.venues.connect import open_exchange

    types = tuple(account.markets)
    if account.exchange in _BINANCE:
        exchange = open_exchange(
            account, options=preset_options(types), enableRateLimit=False, **config
        )
        if account.base_url:  # ccxt picks the futures error table by hostname only
            exchange.exceptions["exact"] = {
                **exchange.exceptions["exact"],
                **exchange.exceptions["linear"]["exact"],
            }
        return BinanceVenue(account.name, exchange, market_types=types, cache_dir=cache_dir)
    exchange = open_exchange(account, options={"fetchCurrencies": False}, **config)
    return CcxtVenue(account.name, exchange, market_types=types, cache_dir=cache_dir)


def venue_class(exchange_id: str) -> type[CcxtVenue]:
    """The venue class `open_venue` builds for a ccxt id (no secrets read, nothing opened),
    so the audit can say whether that venue is verified end to end against a simulator."""
    from botguard.venues.binance import BinanceVenue
    from botguard.venues.ccxt_venue import CcxtVenue

    return BinanceVenue if exchange_id in _BINANCE else CcxtVenue


__all__ = ["open_venue", "venue_class"]
