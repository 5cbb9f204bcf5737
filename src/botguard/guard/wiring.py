"""Patch a ccxt exchange instance: orders go through the engine, answers feed its book.

`Translator` turns ccxt arguments and answers into engine calls (no I/O); the
order-placing calls go through `calls.py`, one admission path for ccxt's sync and
async classes alike.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botguard.guard.book import _num
from botguard.guard.calls import ORDER_CALLS, async_guarded, sync_guarded
from botguard.guard.engine import Guard
from botguard.guard.errors import GuardRejected
from botguard.guard.policy import INF
from botguard.guard.rules import Intent, Rule, Trip

logger = logging.getLogger(__name__)

Args = tuple[Any, ...]
Observer = Callable[[Any, Args, dict[str, Any]], None]


def _symbol_arg(args: Args, kwargs: dict[str, Any], index: int = 0) -> str | None:
    value = args[index] if len(args) > index else kwargs.get("symbol")
    return value if isinstance(value, str) else None


class Translator:
    """ccxt call arguments and answers, in the engine's terms."""

    def __init__(self, engine: Guard) -> None:
        self.engine = engine
        p = engine.policy
        self._needs_price = (
            min(p.max_order_notional, p.max_position_notional, p.max_total_notional) != INF
            or p.price_band != INF
        )
        self._band = p.price_band != INF

    def intent(  # noqa: PLR0913 (ccxt's create_order signature)
        self,
        symbol: str,
        type_: str,
        side: str,
        amount: Any,
        price: Any,
        params: Mapping[str, Any] | None,
        *,
        required: bool,
    ) -> Intent | None:
        """The order as an Intent; None when a ticker must be fetched first."""
        engine = self.engine
        last = engine.last_price(symbol)
        limit = 0.0 if type_ == "market" or price is None else float(price)
        if (self._needs_price and (limit or last) <= 0) or (self._band and limit and last <= 0):
            if not required:
                return None
            trip = Trip(Rule.PRICE_BAND, f"no last price for {symbol}; cannot check the order")
            raise GuardRejected(trip, engine.state)
        ref = limit or last
        size = engine.sizes.get(symbol) or engine.size_of(symbol)
        if params:
            cost = params.get("cost") or params.get("quoteOrderQty")
            reduce_only = bool(params.get("reduceOnly") or params.get("closePosition"))
        else:  # most orders: no params to read
            cost, reduce_only = None, False
        base = _num(cost) / ref if cost and ref else _num(amount) * size
        return Intent(symbol, 1 if side == "buy" else -1, base, ref, reduce_only)

    def stamp(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """The params to send, with a client order id that carries the bot's prefix."""
        sent = dict(params) if params else {}
        given = sent.pop("clientOrderId", None) or sent.pop("newClientOrderId", None)
        sent["clientOrderId"] = self.engine.client_id(given)
        return sent

    def order_intent(self, order: Mapping[str, Any], *, required: bool) -> Intent | None:
        """A create_orders entry as an Intent."""
        return self.intent(
            order["symbol"],
            order["type"],
            order["side"],
            order.get("amount"),
            order.get("price"),
            order.get("params"),
            required=required,
        )

    def edit_amount(self, order_id: str, amount: Any) -> Any:
        """edit_order without an amount keeps the known remainder."""
        if amount is not None:
            return amount
        known = self.engine.book.open_orders.get(str(order_id))
        return None if known is None else known.remaining / self.engine.size_of(known.symbol)

    # answers
    def on_order(self, order: Any) -> None:
        """Track an order answer: resting remainder and new fills."""
        if not (type(order) is dict or isinstance(order, Mapping)) or not order.get("symbol"):
            return
        engine, symbol = self.engine, str(order["symbol"])
        size = engine.sizes.get(symbol) or engine.size_of(symbol)
        order_id = str(order.get("id") or "")
        book = engine.book
        if order.get("status") == "open":
            sign = 1 if order.get("side") == "buy" else -1
            book.add_open(order_id, symbol, sign, _num(order.get("remaining")) * size)
        else:
            book.remove_open(order_id)
        if order.get("filled"):  # no fill (0, None: most answers) books nothing, no call
            book.observe_fill(order, size, engine.today)

    def on_orders(self, orders: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_order(s), fetch_closed_orders, create_orders answers."""
        for order in orders if isinstance(orders, list) else [orders]:
            self.on_order(order)

    def on_open_orders(self, orders: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_open_orders is the truth for its symbol (or for all symbols)."""
        self.engine.book.clear_open(_symbol_arg(args, kwargs))
        self.on_orders(orders, args, kwargs)

    def on_cancel(self, order: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """cancel_order(id, symbol)."""
        order_id = args[0] if args else kwargs.get("id")
        self.engine.book.remove_open(str(order_id))

    def on_cancel_many(self, orders: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """cancel_orders(ids, symbol)."""
        for order_id in (args[0] if args else kwargs.get("ids")) or []:
            self.engine.book.remove_open(str(order_id))

    def on_cancel_all(self, result: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """cancel_all_orders(symbol)."""
        self.engine.book.clear_open(_symbol_arg(args, kwargs))

    def on_ticker(self, ticker: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_ticker: the last price the band and notional checks use."""
        if isinstance(ticker, Mapping) and ticker.get("symbol"):
            last = _num(ticker.get("last") or ticker.get("close"))
            if not last and ticker.get("bid") and ticker.get("ask"):
                last = (_num(ticker["bid"]) + _num(ticker["ask"])) / 2
            now = self.engine.monotonic()
            self.engine.book.set_price(str(ticker["symbol"]), last, now)

    def on_tickers(self, tickers: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_tickers."""
        if isinstance(tickers, Mapping):
            for ticker in tickers.values():
                self.on_ticker(ticker, args, kwargs)

    def on_positions(self, positions: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_positions: the exchange's word on derivatives positions (net of sides)."""
        net: dict[str, float] = {}
        for pos in positions if isinstance(positions, list) else []:
            symbol = str(pos.get("symbol"))
            sign = -1 if pos.get("side") == "short" else 1
            qty = _num(pos.get("contracts")) * self.engine.size_of(symbol)
            net[symbol] = net.get(symbol, 0.0) + sign * qty
            self.engine.book.entries.setdefault(symbol, _num(pos.get("entryPrice")))
        asked = args[0] if args else kwargs.get("symbols")
        book = self.engine.book
        for wanted in asked if isinstance(asked, list) else [None]:
            if wanted is not None:
                net.setdefault(str(wanted), 0.0)  # asked for and not listed: flat
            book.saw("position", wanted)
        for symbol, qty in net.items():
            book.set_position(symbol, qty)

    def on_balance(self, balance: Any, args: Args, kwargs: dict[str, Any]) -> None:
        """fetch_balance: spot holdings are the position of each known spot symbol."""
        totals = balance.get("total") if isinstance(balance, Mapping) else None
        if not isinstance(totals, Mapping):
            return
        book, engine = self.engine.book, self.engine
        symbols = set(book.prices) | set(book.positions) | set(engine.policy.symbols or ())
        for symbol in symbols | {r.symbol for r in book.reserved.values()}:
            market = engine.market_of(symbol) or {}
            if not market.get("spot"):
                continue
            if market.get("base") in totals:
                book.set_position(symbol, _num(totals[market["base"]]))
            book.saw("position", symbol)


_OBSERVED: dict[str, str] = {
    "fetch_ticker": "on_ticker",
    "fetch_tickers": "on_tickers",
    "fetch_positions": "on_positions",
    "fetch_balance": "on_balance",
    "fetch_open_orders": "on_open_orders",
    "fetch_order": "on_orders",
    "fetch_orders": "on_orders",
    "fetch_closed_orders": "on_orders",
    "fetch_canceled_orders": "on_orders",
    "cancel_order": "on_cancel",
    "cancel_orders": "on_cancel_many",
    "cancel_all_orders": "on_cancel_all",
}
"""Calls that pass untouched (cancels are always allowed) but teach the book."""


def wire(exchange: Any, engine: Guard, *, is_async: bool) -> None:
    """Replace the exchange's order methods with guarded ones, on this instance only."""
    t = Translator(engine)
    fetch_ticker = exchange.fetch_ticker
    for name, handler in _OBSERVED.items():
        if hasattr(exchange, name):
            make = _async_observe if is_async else _sync_observe
            setattr(exchange, name, make(getattr(exchange, name), getattr(t, handler)))
    guarded = async_guarded if is_async else sync_guarded
    for name, build in ORDER_CALLS.items():
        if hasattr(exchange, name) and (is_async or not name.endswith("_ws")):
            setattr(exchange, name, guarded(t, getattr(exchange, name), fetch_ticker, build))


def _observe_safely(handler: Observer, result: Any, args: Args, kwargs: dict[str, Any]) -> None:
    try:
        handler(result, args, kwargs)
    except Exception:  # the book is best effort; the bot's call already succeeded
        logger.exception("guard could not read a %s answer", getattr(handler, "__name__", "?"))


def _sync_observe(orig: Callable[..., Any], handler: Observer) -> Callable[..., Any]:
    def observed(*args: Any, **kwargs: Any) -> Any:
        result = orig(*args, **kwargs)
        _observe_safely(handler, result, args, kwargs)
        return result

    return observed


def _async_observe(orig: Callable[..., Awaitable[Any]], handler: Observer) -> Callable[..., Any]:
    async def observed(*args: Any, **kwargs: Any) -> Any:
        result = await orig(*args, **kwargs)
        _observe_safely(handler, result, args, kwargs)
        return result

    return observed
