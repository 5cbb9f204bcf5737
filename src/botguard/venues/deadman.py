"""The exchange's own dead man's switch: cancel every order unless re-armed in time.

`botguard watch` re-arms it on every poll, so if the server dies (bot, watchdog
and all) the exchange itself cancels the resting orders. Exchanges differ:

- Binance USDⓈ-M: `POST /fapi/v1/countdownCancelAll`, one timer per symbol
  (ccxt has no unified call; `fapiPrivatePostCountdownCancelAll`, see
  https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Auto-Cancel-All-Open-Orders).
  Binance spot has no such timer.
- OKX, Bybit, Kraken, Kraken Futures, Hyperliquid: ccxt's
  `cancel_all_orders_after(ms)`, one account-wide timer (ccxt.md section 1.1).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

BINANCE_IDS = frozenset({"binance", "binanceusdm"})


def has_dead_man(exchange: Any, markets: Iterable[str]) -> bool:
    """True when this exchange (for these market types) has a timer botguard can arm."""
    if exchange.id in BINANCE_IDS:
        return any(m != "spot" for m in markets)
    return bool(exchange.has.get("cancelAllOrdersAfter"))


def dead_man_calls(
    exchange: Any, markets: Iterable[str], timeout_s: float, symbols: Iterable[str]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The ccxt calls (method, args) that arm the timer for `timeout_s`; 0 disarms it.

    Data rather than calls, so the venue sends them through its one retrying,
    translating helper (`CcxtVenue.arm_dead_man`).

    Args:
        exchange: a ccxt exchange with markets loaded.
        symbols: Binance's timer is per symbol: the USDⓈ-M symbols to cover.
    """
    if not has_dead_man(exchange, markets):
        return []
    ms = int(timeout_s * 1000)
    if exchange.id not in BINANCE_IDS:
        return [("cancel_all_orders_after", (ms,))]
    calls: list[tuple[str, tuple[Any, ...]]] = []
    for symbol in sorted(set(symbols)):
        market = exchange.markets.get(symbol) or {}
        if market.get("linear"):
            params = {"symbol": market["id"], "countdownTime": ms}
            calls.append(("fapiPrivatePostCountdownCancelAll", (params,)))
    return calls
