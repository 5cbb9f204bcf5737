"""What the guard knows about the account: positions, open orders, prices, realised loss.

It learns only from what passes through the wrapped exchange: the answers to the
bot's own create/fetch/cancel calls. That is enough for the limits: a position the
bot has never fetched cannot be projected, so `Guard.sync()` reads them once.

Orders in flight are reserved: admitted orders count against the limits from the
moment they pass the check until the exchange answers, so concurrent order calls
(asyncio.gather, threads) and the orders of one batch see each other. An answer
turns the reservation into the open order or fill it reports; a refusal releases
it; an order whose fate is unknown (timeout, reset, the caller cancelled the call)
stays reserved until the bot next reads both the symbol's open orders and its
position, which is when a landed order becomes visible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(slots=True)
class OpenOrder:
    """A resting order the guard has seen, in base currency."""

    symbol: str
    sign: int
    remaining: float


@dataclass(slots=True)
class Reservation:
    """An admitted order whose answer has not arrived (base currency)."""

    symbol: str
    sign: int
    amount: float
    resting: bool
    """A limit order that would rest in the book (counts towards max_open_orders)."""
    unseen: set[str] | None = None
    """In doubt: the reads ("orders", "position") still needed before it is dropped."""


def _num(value: Any) -> float:
    """ccxt numbers arrive as float, int, str or None."""
    if value is None:
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


@dataclass(slots=True)
class Book:
    """Signed positions (base currency), open orders and today's realised PnL."""

    positions: dict[str, float] = field(default_factory=dict)
    entries: dict[str, float] = field(default_factory=dict)
    open_orders: dict[str, OpenOrder] = field(default_factory=dict)
    open_qty: dict[tuple[str, int], float] = field(default_factory=dict)
    """(symbol, side sign) -> remaining base amount resting on that side."""
    prices: dict[str, float] = field(default_factory=dict)
    price_at: dict[str, float] = field(default_factory=dict)
    realised: Decimal = Decimal(0)
    realised_day: date | None = None
    seen_fills: dict[str, tuple[float, float]] = field(default_factory=dict)
    """order id -> (filled, cost) already applied, so a fill is counted once."""
    reserved: dict[int, Reservation] = field(default_factory=dict)
    """token -> an admitted order in flight."""
    reserved_qty: dict[tuple[str, int], float] = field(default_factory=dict)
    """(symbol, side sign) -> base amount in flight on that side."""
    reserved_resting: int = 0

    # prices
    def set_price(self, symbol: str, price: float, at: float) -> None:
        """Remember the last price of a symbol (monotonic time `at`)."""
        if price > 0:
            self.prices[symbol] = price
            self.price_at[symbol] = at

    # open orders
    def add_open(self, order_id: str, symbol: str, sign: int, remaining: float) -> None:
        """Track a resting order (replacing what was known of it)."""
        self.remove_open(order_id)
        if remaining <= 0:
            return
        self.open_orders[order_id] = OpenOrder(symbol, sign, remaining)
        key = (symbol, sign)
        self.open_qty[key] = self.open_qty.get(key, 0.0) + remaining

    def remove_open(self, order_id: str) -> None:
        """Forget a resting order (cancelled, filled, or gone)."""
        known = self.open_orders.pop(order_id, None)
        if known is not None:
            key = (known.symbol, known.sign)
            self.open_qty[key] = max(0.0, self.open_qty.get(key, 0.0) - known.remaining)

    def clear_open(self, symbol: str | None = None) -> None:
        """Forget every resting order (of one symbol): a fresh read of the book follows."""
        for order_id in [i for i, o in self.open_orders.items() if symbol in (None, o.symbol)]:
            self.remove_open(order_id)
        self.saw("orders", symbol)

    # orders in flight
    def reserve(self, token: int, reservation: Reservation) -> None:
        """Count an admitted order before its answer arrives."""
        self.reserved[token] = reservation
        key = (reservation.symbol, reservation.sign)
        self.reserved_qty[key] = self.reserved_qty.get(key, 0.0) + reservation.amount
        self.reserved_resting += reservation.resting

    def release(self, token: int) -> None:
        """The answer arrived (or the order was refused): stop counting the reservation."""
        known = self.reserved.pop(token, None)
        if known is None:
            return
        key = (known.symbol, known.sign)
        self.reserved_qty[key] = max(0.0, self.reserved_qty.get(key, 0.0) - known.amount)
        self.reserved_resting -= known.resting

    def doubt(self, token: int) -> None:
        """The order may have landed: keep it until the exchange's books are read again."""
        known = self.reserved.get(token)
        if known is not None:
            known.unseen = {"orders", "position"}

    def saw(self, read: str, symbol: str | None) -> None:
        """A fresh read of `symbol` (None: every symbol) settles what it can show."""
        for token, known in list(self.reserved.items()):
            if known.unseen is not None and symbol in (None, known.symbol):
                known.unseen.discard(read)
                if not known.unseen:
                    self.release(token)

    @property
    def open_count(self) -> int:
        """Resting orders, the ones in flight included."""
        return len(self.open_orders) + self.reserved_resting

    # positions and fills
    def projected(self, symbol: str, sign: int, amount: float) -> float:
        """The signed position if this order and the open and in-flight orders on its side
        all fill."""
        key = (symbol, sign)
        return self.positions.get(symbol, 0.0) + sign * (
            amount + self.open_qty.get(key, 0.0) + self.reserved_qty.get(key, 0.0)
        )

    def total_notional(self, symbol: str, projected: float, price: float) -> float:
        """Sum of |position| x price over symbols, with `symbol` at `projected`."""
        total = abs(projected) * price
        prices = self.prices
        for other, qty in self.positions.items():
            if other != symbol and qty:
                total += abs(qty) * prices.get(other, 0.0)
        return total

    def is_reducing(self, symbol: str, sign: int, amount: float) -> bool:
        """True when the order only shrinks the position (no flip, no growth)."""
        position = self.positions.get(symbol, 0.0)
        return position * sign < 0 and amount <= abs(position) * (1 + 1e-9)

    def set_position(self, symbol: str, qty: float, entry: float | None = None) -> None:
        """Take the exchange's word for a position."""
        self.positions[symbol] = qty
        if entry:
            self.entries[symbol] = entry

    def apply_fill(self, symbol: str, signed_qty: float, price: float, today: date) -> None:
        """Move the position by a fill and book realised PnL at average cost."""
        self._roll_day(today)
        position = self.positions.get(symbol, 0.0)
        entry = self.entries.get(symbol, price)
        if position == 0 or position * signed_qty > 0:
            size = abs(position) + abs(signed_qty)
            self.entries[symbol] = (abs(position) * entry + abs(signed_qty) * price) / size
        else:
            closed = min(abs(signed_qty), abs(position))
            pnl = closed * (price - entry) * (1 if position > 0 else -1)
            self.realised += Decimal(repr(pnl))
            if abs(signed_qty) > abs(position):
                self.entries[symbol] = price
        self.positions[symbol] = position + signed_qty

    def loss_today(self, today: date) -> float:
        """Today's realised loss as a positive number (0 when in profit)."""
        self._roll_day(today)
        return float(-self.realised) if self.realised < 0 else 0.0

    def _roll_day(self, today: date) -> None:
        if self.realised_day != today:
            self.realised_day = today
            self.realised = Decimal(0)

    def observe_fill(
        self, order: Mapping[str, Any], size: float, today: Callable[[], date]
    ) -> None:
        """Apply the part of an order's fill not yet seen (ccxt order dict).

        `today` is read only when there is a fill to book: most answers carry none.
        """
        filled = _num(order.get("filled")) * size
        if filled <= 0:  # nothing filled (most answers): nothing new to book
            return
        order_id = str(order.get("id") or "")
        cost = _num(order.get("cost"))
        before_filled, before_cost = self.seen_fills.get(order_id, (0.0, 0.0))
        delta = filled - before_filled
        if delta <= 0:
            return
        self.seen_fills[order_id] = (filled, cost)
        delta_cost = cost - before_cost
        price = delta_cost / delta if delta_cost > 0 else _num(order.get("average"))
        sign = 1 if order.get("side") == "buy" else -1
        if price > 0:
            self.apply_fill(str(order.get("symbol")), sign * delta, price, today())
