"""A sample trading bot for the demo: trades on the simulator until it is stopped.

It does what a real grid/momentum bot does to an account: buys spot assets, rests
limit orders on several symbols, opens perpetual positions both ways and keeps a
protective stop in the exchange's conditional book (Binance, OKX or Bybit, as
DEMO_EXCHANGE says). It writes its pid and touches a
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
    types = ["spot", "swap"] if cls is ccxt.okx else ["spot", "linear"]
    config = {
        "apiKey": os.environ["EX_API_KEY"],
        "secret": os.environ["EX_API_SECRET"],
        "options": {"fetchCurrencies": False, "fetchMarkets": {"types": types}},
    }
    if "EX_API_PASSWORD" in os.environ:
        config["password"] = os.environ["EX_API_PASSWORD"]
    exchange = cls(config)
    exchange.urls["api"] = rebase_urls(exchange.urls["api"], base_url)
    return exchange


def _pair(name: str, base_url: str) -> tuple[Any, Any]:
    """The bot's spot and perp clients: Binance splits them, OKX and Bybit have one API."""
    if name == "binance":
        return _exchange(ccxt.binance, base_url), _exchange(ccxt.binanceusdm, base_url)
    one = _exchange(getattr(ccxt, name), base_url)
    return one, one


def _contracts(exchange: Any, symbol: str, amount: float) -> float:
    """A size in base units as the exchange's contracts (OKX: ctVal per contract)."""
    size = exchange.markets[symbol].get("contractSize") or 1
    return float(exchange.amount_to_precision(symbol, amount / size))


async def _stop(futures: Any, amount: float) -> None:
    """A protective stop 15% under BTC, in whatever conditional book the exchange keeps."""
    symbol = "BTC/USDT:USDT"
    stop_price = (await futures.fetch_ticker(symbol))["last"] * 0.85
    size = _contracts(futures, symbol, amount)
    if futures.id == "okx":  # a conditional algo order (trade/order-algo)
        params = {"stopLossPrice": stop_price, "reduceOnly": True}
        await futures.create_order(symbol, "market", "sell", size, None, params)
    elif futures.id == "bybit":  # a conditional order in the same book
        params = {"triggerPrice": stop_price, "triggerDirection": "descending", "reduceOnly": True}
        await futures.create_order(symbol, "market", "sell", size, None, params)
    else:  # Binance's algo book
        params = {"stopPrice": stop_price, "reduceOnly": True}
        await futures.create_order(symbol, "STOP_MARKET", "sell", size, None, params)


async def _open_book(spot: Any, futures: Any) -> None:
    """Symbols in parallel, as an async bot does; the stop once its position exists."""
    await asyncio.gather(*(_buy(spot, symbol, amount) for symbol, amount in SPOT_BUYS.items()))
    await asyncio.gather(*(_bids(spot, symbol) for symbol in SPOT_BIDS))
    await asyncio.gather(
        *(_perp(futures, symbol, side, amount) for symbol, (side, amount) in PERPS.items())
    )
    await _stop(futures, 0.3)


async def _buy(spot: Any, symbol: str, amount: float) -> None:
    """A spot market buy (Bybit sizes market buys in quote: ccxt needs the price)."""
    price = (await spot.fetch_ticker(symbol))["last"] if spot.id == "bybit" else None
    await spot.create_order(symbol, "market", "buy", amount, price)


async def _bids(spot: Any, symbol: str) -> None:
    """Three resting bids below the last price."""
    price = (await spot.fetch_ticker(symbol))["last"]
    for step in (0.97, 0.95, 0.93):
        await spot.create_order(symbol, "limit", "buy", _size(spot, symbol, price), price * step)


async def _perp(futures: Any, symbol: str, side: str, amount: float) -> None:
    """A position, then a resting order to add to it further away."""
    await futures.create_order(symbol, "market", side, _contracts(futures, symbol, amount))
    price = (await futures.fetch_ticker(symbol))["last"]
    away = 0.9 if side == "buy" else 1.1
    half = _contracts(futures, symbol, amount / 2)
    await futures.create_order(symbol, "limit", side, half, price * away)


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
    spot, futures = _pair(os.environ.get("DEMO_EXCHANGE", "binance"), base_url)
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
        clients = {id(spot): spot, id(futures): futures}.values()
        await asyncio.gather(*(c.close() for c in clients))  # each close sleeps 250 ms


if __name__ == "__main__":
    logging.basicConfig(
        filename=os.environ.get("DEMO_LOG", "bot.log"),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    asyncio.run(main())
