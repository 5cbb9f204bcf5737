"""What a kill must do for one account, decided purely from what was read.

No I/O here, so the plan can be shown before anything happens (`--dry-run`, the
confirmation prompt) and property-tested: every open order is cancelled, every
position closed, every asset outside `keep` and the quote sold or reported as dust.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from botguard.venues.types import Exposure, MarketInfo, PositionSide


@dataclass(frozen=True, slots=True)
class CancelOrders:
    """Cancel every open order of one symbol's book (the conditional book apart)."""

    account: str
    symbol: str
    market: str
    conditional: bool
    count: int


@dataclass(frozen=True, slots=True)
class ClosePosition:
    """A reduce-only market order closing a derivatives position."""

    account: str
    symbol: str
    side: PositionSide
    amount: Decimal
    hedged: bool


@dataclass(frozen=True, slots=True)
class SellAsset:
    """A spot market sell of an asset into the account's quote."""

    account: str
    asset: str
    symbol: str
    amount: Decimal
    via: str | None = None
    """The currency sold into when no market goes straight to the quote (WBTC/BTC for
    WBTC): the next round's read sees it and sells it on into the quote."""


@dataclass(frozen=True, slots=True)
class Dust:
    """An amount its market will not take (below the step or minimum): not a failure."""

    account: str
    asset: str
    amount: Decimal
    reason: str
    position: bool = False
    """A derivatives position too small to close: still exposure, never "flat"."""


@dataclass(frozen=True, slots=True)
class Unsellable:
    """An asset with no market into the quote: exposure the kill cannot remove (residual)."""

    account: str
    asset: str
    amount: Decimal
    reason: str


Action = CancelOrders | ClosePosition | SellAsset | Dust | Unsellable


@dataclass(frozen=True, slots=True)
class KillPlan:
    """Everything one account's kill will do, in order: cancels, then closes and sells."""

    account: str
    cancels: tuple[CancelOrders, ...] = ()
    closes: tuple[ClosePosition, ...] = ()
    sells: tuple[SellAsset, ...] = ()
    dust: tuple[Dust, ...] = ()
    kept: tuple[str, ...] = field(default=())
    unsellable: tuple[Unsellable, ...] = ()
    """Assets no listed market sells into the quote: they keep the account off "flat"."""

    @property
    def stuck_positions(self) -> tuple[Dust, ...]:
        """Positions below the amount step: nothing can be sent, yet they are not flat."""
        return tuple(d for d in self.dust if d.position)

    @property
    def empty(self) -> bool:
        """Nothing to trade or cancel."""
        return not (self.cancels or self.closes or self.sells)


def round_down(amount: Decimal, step: Decimal | None) -> Decimal:
    """`amount` floored to the market's step (never up: we cannot sell what we lack)."""
    if step is None or step <= 0:
        return amount
    return (amount / step).to_integral_value(rounding=ROUND_DOWN) * step


def _cancels(exposure: Exposure) -> tuple[CancelOrders, ...]:
    books: dict[tuple[str, str, bool], int] = {}
    for order in exposure.orders:
        key = (order.symbol, order.market, order.conditional)
        books[key] = books.get(key, 0) + 1
    return tuple(
        CancelOrders(exposure.account, symbol, market, conditional, count)
        for (symbol, market, conditional), count in sorted(books.items())
    )


def _too_small(amount: Decimal, info: MarketInfo, price: Decimal | None) -> str | None:
    """Why an amount cannot be traded, or None when it can."""
    if amount <= 0:
        return "below the amount step"
    if info.min_amount is not None and amount < info.min_amount:
        return f"below the minimum amount {info.min_amount}"
    if info.min_notional is not None and price is not None and amount * price < info.min_notional:
        return f"below the minimum notional {info.min_notional}"
    return None


def _closes(
    exposure: Exposure, markets_info: Mapping[str, MarketInfo]
) -> tuple[list[ClosePosition], list[Dust]]:
    closes, dust = [], []
    for pos in sorted(exposure.positions, key=lambda p: (p.symbol, p.side)):
        info = markets_info.get(pos.symbol)
        amount = round_down(pos.contracts, info.amount_step if info else None)
        reason = _too_small(amount, info, None) if info else None
        if reason is not None:  # notional minimums do not apply to reduce-only closes
            dust.append(Dust(exposure.account, pos.symbol, pos.contracts, reason, position=True))
            continue
        closes.append(ClosePosition(exposure.account, pos.symbol, pos.side, amount, pos.hedged))
    return closes, dust


def _sells(
    exposure: Exposure, keep: frozenset[str], quote: str, markets_info: Mapping[str, MarketInfo]
) -> tuple[list[SellAsset], list[Dust | Unsellable], list[str]]:
    sells: list[SellAsset] = []
    dust: list[Dust | Unsellable] = []
    kept: list[str] = []
    for bal in sorted(exposure.balances, key=lambda b: b.asset):
        if bal.asset == quote:
            continue
        if bal.asset in keep:
            kept.append(bal.asset)
            continue
        symbol = f"{bal.asset}/{quote}"
        info = markets_info.get(symbol)
        via = None
        if info is None:
            info, via = _route(bal.asset, quote, keep, markets_info)
        if info is None:
            dust.append(Unsellable(exposure.account, bal.asset, bal.total, f"no {symbol} market"))
            continue
        amount = round_down(bal.total, info.amount_step)
        reason = _too_small(amount, info, exposure.prices.get(info.symbol))
        if reason is not None:
            dust.append(Dust(exposure.account, bal.asset, bal.total, reason))
            continue
        sells.append(SellAsset(exposure.account, bal.asset, info.symbol, amount, via))
    return sells, dust, kept


ROUTE_VIA = ("BTC", "ETH", "BNB", "USDC", "USDT", "FDUSD")
"""Currencies an asset with no market into the quote may be sold through, in this order."""


def _route(
    asset: str, quote: str, keep: frozenset[str], markets_info: Mapping[str, MarketInfo]
) -> tuple[MarketInfo | None, str | None]:
    """A market selling `asset` into a currency that itself sells into `quote` (never
    into a kept asset, which the kill would then leave): that market and the currency."""
    for via in ROUTE_VIA:
        if via in (asset, quote) or via in keep:
            continue
        first = markets_info.get(f"{asset}/{via}")
        if first is not None and markets_info.get(f"{via}/{quote}") is not None:
            return first, via
    return None, None


def plan_kill(
    exposure: Exposure,
    *,
    keep: frozenset[str] | set[str] | tuple[str, ...],
    quote: str,
    markets_info: Mapping[str, MarketInfo],
    flatten: bool = True,
) -> KillPlan:
    """The plan for one account: cancel every book, close every position, sell the rest."""
    cancels = _cancels(exposure)
    if not flatten:
        return KillPlan(exposure.account, cancels=cancels)
    closes, close_dust = _closes(exposure, markets_info)
    sells, left, kept = _sells(exposure, frozenset(keep), quote, markets_info)
    return KillPlan(
        exposure.account,
        cancels=cancels,
        closes=tuple(closes),
        sells=tuple(sells),
        dust=tuple(close_dust + [d for d in left if isinstance(d, Dust)]),
        kept=tuple(kept),
        unsellable=tuple(u for u in left if isinstance(u, Unsellable)),
    )
