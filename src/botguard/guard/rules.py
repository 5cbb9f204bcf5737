"""Guard rules: small functions that return a `Trip` (the reason) or None.

As in nautilus_trader's risk engine, each rule answers one question about one
order (pre-trade) or one account snapshot (watch) and says why it objects; the
caller decides what an objection costs (a rejected order, or the kill switch).
The pre-trade rules take floats precomputed by `policy.py` and allocate only when
they object, so the common path stays in the low microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botguard.guard.policy import Policy
from botguard.guard.snapshot import SeenOrder, Snapshot


class Rule(StrEnum):
    """Stable ids of the conditions the guard and the watchdog check."""

    SYMBOL = "symbol"
    ORDER_NOTIONAL = "order_notional"
    POSITION_NOTIONAL = "position_notional"
    TOTAL_NOTIONAL = "total_notional"
    OPEN_ORDERS = "open_orders"
    RATE_PER_SECOND = "rate_per_second"
    RATE_PER_MINUTE = "rate_per_minute"
    PRICE_BAND = "price_band"
    DAILY_LOSS = "daily_loss"
    STATE = "state"
    CLIENT_ID = "client_id"
    DRAWDOWN = "drawdown"
    FOREIGN_ORDER = "foreign_order"
    FOREIGN_FILL = "foreign_fill"
    HEARTBEAT = "heartbeat"
    AUTH_ERRORS = "auth_errors"


@dataclass(frozen=True, slots=True)
class Trip:
    """Why a rule objects: an id, one human line, and the numbers behind it."""

    rule: Rule
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The journal/alert form."""
        return {"rule": str(self.rule), "message": self.message, **self.evidence}


@dataclass(slots=True)
class Intent:
    """One order as the guard sees it: base-currency amount, a price, a direction."""

    symbol: str
    sign: int
    """+1 buys, -1 sells."""
    amount: float
    """Size in base currency (contracts times the contract size)."""
    price: float
    """The limit price, or the last price for a market order."""
    reduce_only: bool = False


def fmt(value: float) -> str:
    """A number for a message: no float noise, no exponent for normal sizes."""
    return f"{value:,.8g}"


def check_symbol(policy: Policy, intent: Intent) -> Trip | None:
    """Only the configured symbols may be traded."""
    if policy.symbols is None or intent.symbol in policy.symbols:
        return None
    return Trip(
        Rule.SYMBOL,
        f"{intent.symbol} is not in [guard] symbols",
        {"symbol": intent.symbol, "allowed": sorted(policy.symbols)},
    )


def check_order_notional(policy: Policy, intent: Intent) -> Trip | None:
    """One order may not be worth more than max_order_notional."""
    notional = intent.amount * intent.price
    if notional <= policy.max_order_notional:
        return None
    return Trip(
        Rule.ORDER_NOTIONAL,
        f"{intent.symbol} order notional {fmt(notional)} > max_order_notional "
        f"{fmt(policy.max_order_notional)}",
        {"symbol": intent.symbol, "notional": notional, "limit": policy.max_order_notional},
    )


def check_price_band(policy: Policy, intent: Intent, last: float) -> Trip | None:
    """A limit price too far from the last price is a fat finger."""
    if last <= 0 or abs(intent.price - last) <= policy.price_band * last:
        return None
    off = abs(intent.price - last) / last * 100
    return Trip(
        Rule.PRICE_BAND,
        f"{intent.symbol} price {fmt(intent.price)} is {off:.2f}% from last {fmt(last)} "
        f"(price_band_pct {policy.price_band * 100:g})",
        {"symbol": intent.symbol, "price": intent.price, "last": last},
    )


def check_position_notional(policy: Policy, intent: Intent, projected: float) -> Trip | None:
    """The position after this order (and open orders on its side) stays under the limit.

    Args:
        projected: the signed base position if this order and every open order on
            the same side filled.
    """
    notional = abs(projected) * intent.price
    if notional <= policy.max_position_notional:
        return None
    return Trip(
        Rule.POSITION_NOTIONAL,
        f"{intent.symbol} position would reach {fmt(notional)} > max_position_notional "
        f"{fmt(policy.max_position_notional)}",
        {"symbol": intent.symbol, "notional": notional, "limit": policy.max_position_notional},
    )


def check_total_notional(policy: Policy, symbol: str, total: float) -> Trip | None:
    """All positions together stay under max_total_notional."""
    if total <= policy.max_total_notional:
        return None
    return Trip(
        Rule.TOTAL_NOTIONAL,
        f"total position notional would reach {fmt(total)} > max_total_notional "
        f"{fmt(policy.max_total_notional)}",
        {"symbol": symbol, "notional": total, "limit": policy.max_total_notional},
    )


def check_open_orders(policy: Policy, open_orders: int) -> Trip | None:
    """No more than max_open_orders resting at once (this order would add one)."""
    if open_orders < policy.max_open_orders:
        return None
    return Trip(
        Rule.OPEN_ORDERS,
        f"{open_orders} orders already open (max_open_orders {policy.max_open_orders:g})",
        {"open_orders": open_orders, "limit": policy.max_open_orders},
    )


def check_order_rate(policy: Policy, last_second: int, last_minute: int) -> Trip | None:
    """A runaway loop shows as an order rate no strategy needs."""
    if last_second >= policy.max_orders_per_second:
        return Trip(
            Rule.RATE_PER_SECOND,
            f"{last_second} orders in the last second "
            f"(max_orders_per_second {policy.max_orders_per_second:g})",
            {"orders": last_second, "limit": policy.max_orders_per_second},
        )
    if last_minute >= policy.max_orders_per_minute:
        return Trip(
            Rule.RATE_PER_MINUTE,
            f"{last_minute} orders in the last minute "
            f"(max_orders_per_minute {policy.max_orders_per_minute:g})",
            {"orders": last_minute, "limit": policy.max_orders_per_minute},
        )
    return None


def check_daily_loss(policy: Policy, loss_today: float) -> Trip | None:
    """Past the daily realised loss only exposure-reducing orders pass."""
    if loss_today <= policy.max_daily_loss:
        return None
    return Trip(
        Rule.DAILY_LOSS,
        f"realised loss today {fmt(loss_today)} > max_daily_loss {fmt(policy.max_daily_loss)}; "
        "only orders that reduce exposure pass until tomorrow (UTC)",
        {"loss": loss_today, "limit": policy.max_daily_loss},
    )


# watchdog rules: one account snapshot at a time
def check_drawdown(peak: float, equity: float, max_pct: float | None) -> Trip | None:
    """Equity this far below its peak (not below the start: a known complaint)."""
    if max_pct is None or peak <= 0:
        return None
    drawdown = (peak - equity) / peak * 100
    if drawdown < max_pct:
        return None
    return Trip(
        Rule.DRAWDOWN,
        f"equity {fmt(equity)} is {drawdown:.2f}% below its peak {fmt(peak)} "
        f"(max_drawdown_pct {max_pct:g})",
        {"equity": equity, "peak": peak, "drawdown_pct": round(drawdown, 4)},
    )


def check_heartbeat(age_s: float | None, max_age_s: float) -> Trip | None:
    """The bot stopped touching its heartbeat file: hung, dead or looping elsewhere."""
    if age_s is None or age_s <= max_age_s:
        return None
    return Trip(
        Rule.HEARTBEAT,
        f"the bot's heartbeat is {age_s:.0f} s old (heartbeat_max_age_s {max_age_s:g})",
        {"age_s": round(age_s, 3), "limit_s": max_age_s},
    )


def check_auth_errors(consecutive: int, limit: int, last_error: str) -> Trip | None:
    """Repeated authentication failures: a revoked, rotated or stolen key."""
    if consecutive < limit:
        return None
    return Trip(
        Rule.AUTH_ERRORS,
        f"{consecutive} authentication errors in a row (max_auth_errors {limit}): {last_error}",
        {"consecutive": consecutive, "limit": limit, "last_error": last_error},
    )


def check_foreign(orders: tuple[SeenOrder, ...], prefixes: tuple[str, ...]) -> Trip | None:
    """An order or fill whose client id lacks the bot's prefix: someone else uses the key."""
    for order in orders:
        if order.client_id is None or order.client_id.startswith(prefixes):
            continue
        rule = Rule.FOREIGN_FILL if order.filled > 0 else Rule.FOREIGN_ORDER
        what = "fill" if order.filled > 0 else "order"
        return Trip(
            rule,
            f"{what} {order.id} on {order.symbol} has client id {order.client_id!r} without "
            f"any of the bot's prefixes ({_listed(prefixes)}): suspected compromise",
            {"order_id": order.id, "symbol": order.symbol, "client_id": order.client_id},
        )
    return None


def _listed(prefixes: tuple[str, ...], most: int = 4) -> str:
    """The prefixes for a message: a few, quoted, then how many more."""
    shown = ", ".join(repr(p) for p in prefixes[:most])
    return shown + (f" and {len(prefixes) - most} more" if len(prefixes) > most else "")


def check_snapshot_policy(policy: Policy, snapshot: Snapshot) -> Trip | None:
    """Open orders and positions the in-process guard should never have let through."""
    for order in snapshot.open_orders:
        intent = Intent(order.symbol, 1, 1.0, order.notional)
        trip = check_symbol(policy, intent) or check_order_notional(policy, intent)
        if trip is not None:
            return trip
    total = 0.0
    for symbol, notional in snapshot.positions.items():
        intent = Intent(symbol, 1, 1.0, abs(notional))
        trip = check_symbol(policy, intent) or check_position_notional(policy, intent, 1.0)
        if trip is not None:
            return trip
        total += abs(notional)
    return check_total_notional(policy, "*", total)


def check_seen_rate(policy: Policy, orders: tuple[SeenOrder, ...], now_ms: int) -> Trip | None:
    """Order rate as the exchange saw it: the last minute, and its busiest second."""
    stamps = sorted({o.id: o.timestamp_ms for o in orders if o.timestamp_ms}.values())
    last_minute = sum(1 for t in stamps if t > now_ms - 60_000)
    busiest = max((_in_window(stamps, i) for i in range(len(stamps))), default=0)
    if busiest > policy.max_orders_per_second:
        return Trip(
            Rule.RATE_PER_SECOND,
            f"{busiest} orders within one second "
            f"(max_orders_per_second {policy.max_orders_per_second:g})",
            {"orders": busiest, "limit": policy.max_orders_per_second},
        )
    if last_minute > policy.max_orders_per_minute:
        return Trip(
            Rule.RATE_PER_MINUTE,
            f"{last_minute} orders in the last minute "
            f"(max_orders_per_minute {policy.max_orders_per_minute:g})",
            {"orders": last_minute, "limit": policy.max_orders_per_minute},
        )
    return None


def _in_window(stamps: list[int], i: int) -> int:
    j = i
    while j < len(stamps) and stamps[j] < stamps[i] + 1000:
        j += 1
    return j - i
