"""The client-order-id prefixes ccxt itself stamps on a bot's orders (its broker ids).

A freqtrade (or any ccxt bot) that sets no client id of its own still sends one: ccxt
adds its broker id to every Binance and OKX order. `watch` must know those prefixes or
a healthy bot's orders look foreign. They are read from the installed ccxt's options,
never copied here, so a ccxt upgrade that changes them is followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botguard.venues.connect import exchange_class

PREFIX_OPTION = {"binance": "broker", "binanceusdm": "broker", "okx": "brokerId"}
"""Where ccxt keeps the id it puts in front of client order ids, per exchange: Binance's
`options['broker']` maps market types to ids (`x-` + 8); OKX puts `options['brokerId']`
in front of clOrdId. Other exchanges' broker ids go into headers or a tag, not the id."""

MARKET_TYPES = {"spot": ("spot", "margin"), "swap": ("swap",), "future": ("future",)}
"""botguard's market kinds -> the keys of Binance's broker table they use."""


def is_exchange(exchange_id: str) -> bool:
    """True when the installed ccxt has this exchange id (botguard can open it)."""
    from botguard.errors import ConfigError

    try:
        exchange_class(exchange_id)
    except ConfigError:
        return False
    return True


def broker_prefixes(
    exchange_id: str, markets: Sequence[str], overrides: Any = None
) -> tuple[str, ...]:
    """The prefixes ccxt puts on this exchange's client order ids for these markets.

    `overrides` is the bot's own `options[<option>]` (freqtrade's `ccxt_config`), which
    ccxt uses instead of its default when set.
    """
    option = PREFIX_OPTION.get(exchange_id)
    if option is None:
        return ()
    value = overrides if overrides is not None else _default_option(exchange_id, option)
    if isinstance(value, str):
        return (value,) if value else ()
    if not isinstance(value, dict):
        return ()
    keys = [key for market in markets for key in MARKET_TYPES.get(market, (market,))]
    found = [value.get(key) for key in keys]
    return tuple(dict.fromkeys(v for v in found if isinstance(v, str) and v))


def _default_option(exchange_id: str, option: str) -> Any:
    """ccxt's own default for `option` (an instance only: no session, no network)."""
    exchange = exchange_class(exchange_id)()
    return exchange.options.get(option)
