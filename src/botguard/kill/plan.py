"""What a kill must do for one account, decided purely from what was read.

No I/O here, so the plan can be shown before anything happens (`--dry-run`, the
confirmation prompt) and property-tested: every open order is cancelled, every
position closed, every asset outside `keep` and the quote sold or reported as dust.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from botguard.venues.types import Balance, Exposure, MarketInfo, PositionSide


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


@dataclass(frozen=True, slots=True)
class LeftAlone:
    """`flatten = "bot"`: holdings the bot does not own, which the kill leaves as they are."""

    account: str
    asset: str
    """An asset, or a derivatives symbol with its side ("BTC/USDT:USDT long")."""
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BotShare:
    """`flatten = "bot"`: how much of each asset and position is the bot's to flatten.

    Read from the bot's own books (untrusted): it only ever lowers what the exchange's
    books show, never raises it. What the kill already sold or closed in this run is
    taken off (`minus`), so a later round never sells the account's own holdings.
    """

    assets: Mapping[str, Decimal] = field(default_factory=dict)
    """Spot: asset -> amount the bot's open trades hold."""
    positions: Mapping[tuple[str, PositionSide], Decimal] = field(default_factory=dict)
    """Derivatives: (symbol, side) -> contracts the bot's open trades hold."""

    def minus(self, sold: Sequence[SellAsset], closed: Sequence[ClosePosition]) -> BotShare:
        """The share left once these sells and closes went through."""
        assets = dict(self.assets)
        for sell in sold:
            assets[sell.asset] = max(Decimal(0), assets.get(sell.asset, Decimal(0)) - sell.amount)
        positions = dict(self.positions)
        for close in closed:
            key = (close.symbol, close.side)
            positions[key] = max(Decimal(0), positions.get(key, Decimal(0)) - close.amount)
        return BotShare(assets, positions)


@dataclass(frozen=True, slots=True)
class KeptOpen:
    """`--no-flatten` (`[kill] flatten = false`): a position or coin the kill leaves open,
    as asked. Listed so the report says exactly what is left; it keeps the account off
    "flat" (it ends `cancelled`)."""

    account: str
    what: str
    """The derivatives symbol of a position, or the asset of a balance."""
    amount: Decimal
    """Contracts of a position, or the whole balance (free and in orders)."""
    side: PositionSide | None = None
    """long/short for a position; None for a balance."""


Action = CancelOrders | ClosePosition | SellAsset | Dust | Unsellable | LeftAlone | KeptOpen


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
    left_alone: tuple[LeftAlone, ...] = ()
    """`flatten = "bot"`: what is not the bot's and stays (never exposure the kill owes)."""
    kept_open: tuple[KeptOpen, ...] = ()
    """`--no-flatten`: positions and coins a flatten would have closed or sold, left open."""

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
    """Why an amount cannot be traded, or None when it can. A price of 0 or less is no
    price (a ticker with no trade, a hollow quote): it never makes a holding dust."""
    if amount <= 0:
        return "below the amount step"
    if info.min_amount is not None and amount < info.min_amount:
        return f"below the minimum amount {info.min_amount}"
    if price is None or price <= 0:
        return None
    if info.min_notional is not None and amount * price < info.min_notional:
        return f"below the minimum notional {info.min_notional}"
    return None


def _closes(
    exposure: Exposure, markets_info: Mapping[str, MarketInfo], share: BotShare | None
) -> tuple[list[ClosePosition], list[Dust], list[LeftAlone]]:
    closes, dust, left = [], [], []
    for pos in sorted(exposure.positions, key=lambda p: (p.symbol, p.side)):
        info = markets_info.get(pos.symbol)
        contracts = pos.contracts
        if share is not None:
            contracts = min(contracts, share.positions.get((pos.symbol, pos.side), Decimal(0)))
            if contracts < pos.contracts:
                what = f"{pos.symbol} {pos.side.value}"
                left.append(LeftAlone(exposure.account, what, pos.contracts - contracts))
            if contracts <= 0:
                continue
        amount = round_down(contracts, info.amount_step if info else None)
        reason = _too_small(amount, info, None) if info else None
        if reason is not None:  # notional minimums do not apply to reduce-only closes
            dust.append(Dust(exposure.account, pos.symbol, contracts, reason, position=True))
            continue
        closes.append(ClosePosition(exposure.account, pos.symbol, pos.side, amount, pos.hedged))
    return closes, dust, left


def _sells(
    exposure: Exposure,
    keep: frozenset[str],
    quote: str,
    markets_info: Mapping[str, MarketInfo],
    share: BotShare | None,
) -> tuple[list[SellAsset], list[Dust | Unsellable | LeftAlone], list[str]]:
    sells: list[SellAsset] = []
    dust: list[Dust | Unsellable | LeftAlone] = []
    kept: list[str] = []
    for whole in sorted(exposure.balances, key=lambda b: b.asset):
        if whole.asset == quote:
            continue
        if whole.asset in keep:
            kept.append(whole.asset)
            continue
        bal = _bots_part(exposure.account, whole, share, dust)
        if bal is None:
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
        price = exposure.prices.get(info.symbol)
        reason = _too_small(amount, info, price)
        if reason is not None:
            dust.append(_dust_or_stuck(exposure.account, bal, info, price, reason))
            continue
        sells.append(SellAsset(exposure.account, bal.asset, info.symbol, amount, via))
    return sells, dust, kept


def _dust_or_stuck(
    account: str, bal: Balance, info: MarketInfo, price: Decimal | None, reason: str
) -> Dust | Unsellable:
    """A holding its market will not take: dust when it is worth less than the market's
    minimum notional, else exposure the kill cannot remove (0.9 of a coin sold in whole
    coins, at 50 000 a coin, is not dust)."""
    worth = bal.total * price if price is not None and price > 0 else None
    if worth is not None and info.min_notional is not None and worth >= info.min_notional:
        why = f"{reason}, yet worth {worth.normalize():f} {info.quote}"
        return Unsellable(account, bal.asset, bal.total, why)
    return Dust(account, bal.asset, bal.total, reason)


def _bots_part(
    account: str, bal: Balance, share: BotShare | None, left: list[Dust | Unsellable | LeftAlone]
) -> Balance | None:
    """The part of a balance the kill may sell: all of it, or the bot's share (the rest
    is noted as left alone); None when nothing is the bot's."""
    if share is None:
        return bal
    mine = min(bal.total, share.assets.get(bal.asset, Decimal(0)))
    if mine < bal.total:
        left.append(LeftAlone(account, bal.asset, bal.total - mine))
    return Balance(bal.asset, free=mine, used=Decimal(0)) if mine > 0 else None


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
    share: BotShare | None = None,
) -> KillPlan:
    """The plan for one account: cancel every book, close every position, sell the rest.

    With a `share` (`flatten = "bot"`) only the bot's part of each balance and position
    is sold or closed; the rest is listed as left alone.
    """
    cancels = _cancels(exposure)
    if not flatten:
        return _cancel_only(exposure, cancels, frozenset(keep), quote, markets_info)
    closes, close_dust, spared = _closes(exposure, markets_info, share)
    sells, left, kept = _sells(exposure, frozenset(keep), quote, markets_info, share)
    return KillPlan(
        exposure.account,
        cancels=cancels,
        closes=tuple(closes),
        sells=tuple(sells),
        dust=tuple(close_dust + [d for d in left if isinstance(d, Dust)]),
        kept=tuple(kept),
        unsellable=tuple(u for u in left if isinstance(u, Unsellable)),
        left_alone=tuple(spared + [a for a in left if isinstance(a, LeftAlone)]),
    )


def _cancel_only(
    exposure: Exposure,
    cancels: tuple[CancelOrders, ...],
    keep: frozenset[str],
    quote: str,
    markets_info: Mapping[str, MarketInfo],
) -> KillPlan:
    """`--no-flatten`: cancel every book and list what a flatten would have closed or
    sold as kept open (whole amounts); dust and the keep list stay as a kill shows them,
    so an account holding only those (and the quote) is still flat."""
    account = exposure.account
    kept_open = [KeptOpen(account, p.symbol, p.contracts, p.side)
                 for p in sorted(exposure.positions, key=lambda p: (p.symbol, p.side))]  # fmt: skip
    sells, rest, kept = _sells(exposure, keep, quote, markets_info, None)
    totals = {b.asset: b.total for b in exposure.balances}
    held = sorted({s.asset for s in sells} | {u.asset for u in rest if isinstance(u, Unsellable)})
    kept_open += [KeptOpen(account, asset, totals[asset]) for asset in held]
    dust = tuple(d for d in rest if isinstance(d, Dust))
    return KillPlan(account, cancels=cancels, dust=dust, kept=tuple(kept),
                    kept_open=tuple(kept_open))  # fmt: skip
