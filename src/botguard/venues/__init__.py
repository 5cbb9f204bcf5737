"""Exchange adapters: the only package that imports ccxt.

`open_venue(account)` returns a Venue for an account: its own ccxt instance (never
the bot's), options preset so no hidden preflight call runs, markets from the
state-dir cache. Exchanges with their own venue (quirks verified end to end against
`botguard sim`) are in `REGISTRY`; every other ccxt id gets the generic venue.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botguard.clock import Clock
    from botguard.config import AccountConfig
    from botguard.venues.ccxt_venue import CcxtVenue


@dataclass(frozen=True, slots=True)
class VenueEntry:
    """How to open one exchange: its venue class (by module path) and ccxt options."""

    module: str
    cls: str
    options: Callable[[tuple[str, ...]], dict[str, Any]]
    linear_errors: bool = False
    """Binance: merge the futures error table (ccxt picks it by hostname only)."""


def _binance_options(types: tuple[str, ...]) -> dict[str, Any]:
    from botguard.venues.binance import preset_options

    return preset_options(types)


def _okx_options(types: tuple[str, ...]) -> dict[str, Any]:
    from botguard.venues.okx import preset_options

    return preset_options(types)


def _bybit_options(types: tuple[str, ...]) -> dict[str, Any]:
    from botguard.venues.bybit import preset_options

    return preset_options(types)


_BINANCE = VenueEntry("botguard.venues.binance", "BinanceVenue", _binance_options, True)
REGISTRY: dict[str, VenueEntry] = {
    "binance": _BINANCE,
    "binanceusdm": _BINANCE,
    "okx": VenueEntry("botguard.venues.okx", "OkxVenue", _okx_options),
    "bybit": VenueEntry("botguard.venues.bybit", "BybitVenue", _bybit_options),
}
"""ccxt exchange id -> the venue that knows that exchange's kill semantics."""


def open_venue(
    account: AccountConfig,
    *,
    cache_dir: Path | None = None,
    clock: Clock | None = None,
    jitter: Callable[[], float] | None = None,
    **config: Any,
) -> CcxtVenue:
    """A Venue for `account` (markets not yet loaded: `await venue.load_markets()`).

    `clock` and `jitter` are the venue's time seam (its deadline, backoff sleeps and
    their spread); the defaults are the system clock and `random.random`. `config` goes
    to the ccxt exchange.
    """
    from botguard.venues.ccxt_venue import CcxtVenue
    from botguard.venues.connect import open_exchange

    types = tuple(account.markets)
    seam: dict[str, Any] = {"clock": clock} | ({"jitter": jitter} if jitter else {})
    entry = REGISTRY.get(account.exchange)
    if entry is None:
        exchange = open_exchange(account, options={"fetchCurrencies": False}, **config)
        return CcxtVenue(account.name, exchange, market_types=types, cache_dir=cache_dir, **seam)
    exchange = open_exchange(account, options=entry.options(types), enableRateLimit=False, **config)
    if entry.linear_errors and account.base_url:
        exchange.exceptions["exact"] = {
            **exchange.exceptions["exact"],
            **exchange.exceptions["linear"]["exact"],
        }
    venue_cls: type[CcxtVenue] = getattr(importlib.import_module(entry.module), entry.cls)
    return venue_cls(account.name, exchange, market_types=types, cache_dir=cache_dir, **seam)


def venue_class(exchange_id: str) -> type[CcxtVenue]:
    """The venue class `open_venue` builds for a ccxt id (no secrets read, nothing opened),
    so the audit and `botguard status` can say whether that venue is verified end to end
    against the simulator (its class's `verified_end_to_end`)."""
    entry = REGISTRY.get(exchange_id)
    if entry is None:
        from botguard.venues.ccxt_venue import CcxtVenue

        return CcxtVenue
    venue_cls: type[CcxtVenue] = getattr(importlib.import_module(entry.module), entry.cls)
    return venue_cls


__all__ = ["REGISTRY", "VenueEntry", "open_venue", "venue_class"]
