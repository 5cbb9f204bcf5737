"""A sample trading bot for the demo: trades on the simulator until it is stopped.

It does what a real grid/momentum bot does to an account: buys spot assets, rests
limit orders on several symbols, opens perpetual positions both ways and keeps a
protective stop in Binance's conditional book. It writes its pid and touches a
heartbeat, so botguard can stop it and watch it. Run as
`python -m botguard.demo.bot`, configured by environment variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt

from botguard.venues.connect import rebase_urls

logger = logging.getLogger("demo.bot")

SPOT_BUYS = {"ETH/USDT": 3.0, "SOL/USDT": 40.0, "XRP/USDT": 2500.0, "BNB/USDT": 4.0}
SPOT_BIDS = ("BTC/USDT", "ETH/USDT", "SOL/USDT", "ADA/USDT", "DOGE/USDT")
PERPS = {
    "BTC/USDT:USDT": ("buy", 0.3),
    "ETH/USDT:USDT": ("sell", 4.0),
    "SOL/USDT:USDT": ("buy", 60.0),
}


def _exchange(cls: Any, base_url: str) -> Any:
    exchange = cls(
        {
            "apiKey": os.environ["EX_API_KEY"],
            "secret": os.environ["EX_API_SECRET"],
            "options": {"fetchCurrencies": False, "fetchMarkets": {"types": ["spot", "linear"]}},
        }
    )
    exchange.urls["api"] = rebase_urls(exchange.urls["api"], base_url)
    return exchange


async def _open_book(spot: Any, futures: Any) -> None:
    """Symbols in parallel, as an async bot does; the stop once its position exists."""
    await asyncio.gather(
        *(
            spot.create_order(symbol, "market", "buy", amount)
            for symbol, amount in SPOT_BUYS.items()
        )
    )
    await asyncio.gather(*(_bids(spot, symbol) for symbol in SPOT_BIDS))
    await asyncio.gather(
        *(_perp(futures, symbol, side, amount) for symbol, (side, amount) in PERPS.items())
    )
    stop_price = (await futures.fetch_ticker("BTC/USDT:USDT"))["last"] * 0.85
    await futures.create_order(
        "BTC/USDT:USDT",
        "STOP_MARKET",
        "sell",
        0.3,
        None,
        {"stopPrice": stop_price, "reduceOnly": True},
    )


async def _bids(spot: Any, symbol: str) -> None:
    """Three resting bids below the last price."""
    price = (await spot.fetch_ticker(symbol))["last"]
    for step in (0.97, 0.95, 0.93):
        await spot.create_order(symbol, "limit", "buy", _size(spot, symbol, price), price * step)


async def _perp(futures: Any, symbol: str, side: str, amount: float) -> None:
    """A position, then a resting order to add to it further away."""
    await futures.create_order(symbol, "market", side, amount)
    price = (await futures.fetch_ticker(symbol))["last"]
    away = 0.9 if side == "buy" else 1.1
    await futures.create_order(symbol, "limit", side, amount / 2, price * away)


def _size(exchange: Any, symbol: str, price: float) -> float:
    notional = 200.0
    return float(exchange.amount_to_precision(symbol, notional / price))


async def main() -> None:
    """Trade until SIGTERM."""
    base_url = os.environ["DEMO_BASE_URL"]
    heartbeat = Path(os.environ["DEMO_HEARTBEAT"])
    pidfile = Path(os.environ["DEMO_PIDFILE"])
    await asyncio.to_thread(pidfile.write_text, str(os.getpid()))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    spot = _exchange(ccxt.binance, base_url)
    futures = _exchange(ccxt.binanceusdm, base_url)
    try:
        await asyncio.gather(spot.load_markets(), futures.load_markets())
        await _open_book(spot, futures)
        logger.info("book open; trading")
        while not stop.is_set():
            await asyncio.to_thread(heartbeat.touch)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)
        logger.info("stopped by signal")
    finally:
        await asyncio.gather(spot.close(), futures.close())  # each close sleeps 250 ms


if __name__ == "__main__":
    logging.basicConfig(
        filename=os.environ.get("DEMO_LOG", "bot.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    asyncio.run(main())
