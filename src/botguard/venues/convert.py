"""ccxt's unified dicts as botguard's own types, at the venue boundary (Decimal via str)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import replace
from decimal import Decimal
from typing import Any

from botguard.venues.types import Balance, Exposure, Order, Position, PositionSide, Side


def dec(value: Any) -> Decimal | None:
    """A ccxt number as Decimal (via str, so floats keep their printed digits)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def to_order(raw: dict[str, Any], market: str) -> Order:
    """A ccxt order dict as an Order."""
    info = raw.get("info") or {}
    conditional = bool(raw.get("triggerPrice")) or "algoId" in info
    return Order(
        id=str(raw.get("id") or info.get("algoId") or ""),
        symbol=str(raw["symbol"]),
        market=market,
        side=Side(raw["side"]),
        amount=dec(raw.get("remaining") or raw.get("amount")) or Decimal(0),
        price=dec(raw.get("price")),
        client_id=raw.get("clientOrderId"),
        conditional=conditional,
        reduce_only=bool(raw.get("reduceOnly")),
    )


def to_position(raw: dict[str, Any]) -> Position | None:
    """A ccxt position dict as a Position; None when it is empty."""
    contracts = dec(raw.get("contracts")) or Decimal(0)
    if contracts == 0:
        return None
    return Position(
        symbol=str(raw["symbol"]),
        market="swap",
        side=PositionSide(raw.get("side") or "long"),
        contracts=abs(contracts),
        entry_price=dec(raw.get("entryPrice")),
        notional=dec(raw.get("notional")),
        unrealized_pnl=dec(raw.get("unrealizedPnl")),
        hedged=bool(raw.get("hedged")),
    )


def to_balances(raw: dict[str, Any]) -> tuple[Balance, ...]:
    """Non-zero spot balances."""
    out = []
    for asset, free in (raw.get("free") or {}).items():
        used = (raw.get("used") or {}).get(asset)
        bal = Balance(asset, dec(free) or Decimal(0), dec(used) or Decimal(0))
        if bal.total > 0:
            out.append(bal)
    return tuple(out)


def as_conditional(order: Order) -> Order:
    """The order, marked as living in the conditional (trigger) book."""
    return replace(order, conditional=True)


def with_market(position: Position, market: str) -> Position:
    """The position with its market type (spot, swap, future) from the loaded markets."""
    return replace(position, market=market)


def known_only(exposure: Exposure, symbols: Set[str]) -> Exposure:
    """Orders and positions on symbols outside `symbols` left out and named in `unchecked`:
    cancelling or closing by a raw id could hit the wrong market (Binance spot and USDⓈ-M
    share ids)."""
    bad = sorted(
        {o.symbol for o in exposure.orders if o.symbol not in symbols}
        | {p.symbol for p in exposure.positions if p.symbol not in symbols}
    )
    if not bad:
        return exposure
    return replace(
        exposure,
        orders=tuple(o for o in exposure.orders if o.symbol in symbols),
        positions=tuple(p for p in exposure.positions if p.symbol in symbols),
        unchecked=(*exposure.unchecked, f"orders or positions on unknown symbols: {bad}"),
    )
