"""Read one account for the watchdog, through its own ccxt instance.

The venue layer answers "what must kill remove"; the watchdog also needs what
happened since the last poll (orders created, with their client ids) and the
account's equity, so it talks to ccxt directly, with the same connection helper
(`venues.connect.open_exchange`: credentials, base_url) as everyone else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from botguard.config import AccountConfig
from botguard.guard.book import _num
from botguard.guard.snapshot import SeenOrder, Snapshot
from botguard.venues.connect import open_exchange

logger = logging.getLogger(__name__)

OPTIONS: dict[str, Any] = {
    "fetchOpenOrders": {"warnWithoutSymbol": False},
    "warnOnFetchOpenOrdersWithoutSymbol": False,
}
"""Binance refuses symbol-less open-order reads unless told this is deliberate."""
RECENT_MS = 60_000


def seen_order(order: Mapping[str, Any]) -> SeenOrder:
    """A ccxt order dict as the watchdog keeps it."""
    amount, price = _num(order.get("amount")), _num(order.get("price") or order.get("average"))
    return SeenOrder(
        id=str(order.get("id")),
        symbol=str(order.get("symbol")),
        client_id=order.get("clientOrderId"),
        timestamp_ms=order.get("timestamp"),
        status=str(order.get("status")),
        filled=_num(order.get("filled")),
        notional=amount * price,
    )


class AccountSource:
    """One account's open orders, recent orders, positions and equity."""

    def __init__(self, account: AccountConfig, *, symbols: Iterable[str] = ()) -> None:
        self.account = account
        self.symbols = set(symbols)
        """Symbols whose recent orders are read every poll (plus any seen open or held)."""
        self.exchange: Any = open_exchange(account, options=dict(OPTIONS))
        self._orders: dict[str, SeenOrder] = {}
        self._open_symbols: set[str] = set()

    async def _read_fills(self, symbol: str, since_ms: int) -> None:
        """Orders behind recent fills, read once each for their client ids.

        Trades carry no client id and Binance futures have no all-orders read in
        the sim, so each new order id seen in a fill is looked up by id.
        """
        trades = await self.exchange.fetch_my_trades(symbol, since=since_ms)
        for order_id in {str(t["order"]) for t in trades if t.get("order")}:
            if order_id not in self._orders or self._orders[order_id].status == "open":
                # Bybit's fetch_order refuses to run until told its lookup only sees the
                # last 500 orders (ccxt's `acknowledged`); a fill is always that recent
                extra = {"acknowledged": True} if self.exchange.id == "bybit" else {}
                order = await self.exchange.fetch_order(order_id, symbol, extra)
                self._orders[order_id] = seen_order(order)

    async def aclose(self) -> None:
        """Close the ccxt session."""
        await self.exchange.close()

    async def snapshot(self, now_ms: int) -> Snapshot:
        """Read the account once (errors propagate as ccxt exceptions)."""
        ex, account = self.exchange, self.account
        if not ex.markets:
            await ex.load_markets()
        derivatives = [m for m in account.markets if m != "spot"]
        positions = await ex.fetch_positions(params={"type": "swap"}) if derivatives else []
        held = {str(p["symbol"]) for p in positions if _num(p.get("contracts"))}
        for symbol in sorted(self.symbols | held | self._open_symbols):
            await self._read_fills(symbol, now_ms - RECENT_MS)
        equity, unvalued = await self._equity(positions)
        # last: without a symbol this read costs 40 units of ccxt's throttle (2 s on
        # Binance), which then delays the *next* request, i.e. the next poll, not this one
        open_orders: list[dict[str, Any]] = []
        for market in account.markets:
            open_orders += await ex.fetch_open_orders(params={"type": market})
        self._open_symbols = {str(o["symbol"]) for o in open_orders}
        for order in open_orders:
            self._orders[str(order["id"])] = seen_order(order)
        self._orders = {
            i: o
            for i, o in self._orders.items()
            if o.status == "open" or (o.timestamp_ms or 0) > now_ms - 2 * RECENT_MS
        }
        recent = [o for o in self._orders.values() if (o.timestamp_ms or 0) > now_ms - RECENT_MS]
        return Snapshot(
            account=account.name,
            equity=equity,
            open_orders=tuple(seen_order(o) for o in open_orders),
            recent_orders=tuple(recent),
            positions=_position_notionals(positions),
            unvalued=unvalued,
        )

    async def _equity(self, positions: list[dict[str, Any]]) -> tuple[Decimal, tuple[str, ...]]:
        """Spot holdings valued at last prices, plus the futures margin balance.

        ccxt reports a Binance futures `total` as the margin balance, which already
        includes unrealised PnL, so positions are not added a second time.
        """
        ex, quote = self.exchange, self.account.quote
        equity, unvalued = Decimal(0), []
        if "spot" in self.account.markets:
            totals = (await ex.fetch_balance())["total"]
            assets = [a for a, v in totals.items() if v and a != quote]
            symbols = [f"{a}/{quote}" for a in assets if f"{a}/{quote}" in ex.markets]
            tickers = await ex.fetch_tickers(symbols) if symbols else {}
            equity += Decimal(str(totals.get(quote) or 0))
            for asset in assets:
                last = (tickers.get(f"{asset}/{quote}") or {}).get("last")
                if last:
                    equity += Decimal(str(totals[asset])) * Decimal(str(last))
                else:
                    unvalued.append(asset)
        if any(m != "spot" for m in self.account.markets):
            futures = (await ex.fetch_balance({"type": "swap"}))["total"]
            equity += Decimal(str(futures.get(quote) or 0))
        return equity, tuple(unvalued)


def _position_notionals(positions: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for pos in positions:
        notional = abs(_num(pos.get("notional")))
        if not notional:
            continue
        sign = -1 if pos.get("side") == "short" else 1
        out[str(pos["symbol"])] = out.get(str(pos["symbol"]), 0.0) + sign * notional
    return out
