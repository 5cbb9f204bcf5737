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


async def arm_dead_man(exchange: Any, timeout_s: float, *, symbols: Iterable[str] = ()) -> int:
    """Arm (or re-arm) the timer for `timeout_s` seconds; 0 disarms it.

    Args:
        exchange: a ccxt async exchange with markets loaded.
        symbols: Binance's timer is per symbol: the USDⓈ-M symbols to cover.

    Returns how many timers were set (0 when the exchange has none).
    """
    ms = int(timeout_s * 1000)
    if exchange.id in BINANCE_IDS:
        armed = 0
        for symbol in sorted(set(symbols)):
            market = exchange.markets.get(symbol) or {}
            if not market.get("linear"):
                continue
            await exchange.fapiPrivatePostCountdownCancelAll(
                {"symbol": market["id"], "countdownTime": ms}
            )
            armed += 1
        return armed
    if exchange.has.get("cancelAllOrdersAfter"):
        await exchange.cancel_all_orders_after(ms)
        return 1
    return 0
