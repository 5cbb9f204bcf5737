"""The sim's in-memory exchange: markets, prices, accounts, balances, orders, positions.

Everything here is plain data plus the few helpers every endpoint needs (lookups,
ids, bid/ask). Matching lives in `spot.py` and `futures.py`, JSON shapes in `views.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

from botguard.errors import ConfigError
from botguard.sim import errors
from botguard.sim.scenario import AccountSpec, MarketSpec, OrderSpec, PositionSpec, Scenario

ZERO = Decimal(0)
ONE = Decimal(1)
BPS = Decimal(10_000)


def now_ms() -> int:
    """Wall-clock milliseconds, the unit of every Binance timestamp."""
    return int(time.time() * 1000)


@dataclass(slots=True)
class Balance:
    """A spot asset: free to trade, and locked by open orders."""

    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass(slots=True)
class Order:
    """An order on the plain book or (algo=True) in the separate conditional book."""

    order_id: int
    client_id: str
    market: MarketSpec
    side: str  # BUY | SELL
    type: str  # Binance order type: LIMIT, MARKET, STOP_MARKET, TAKE_PROFIT...
    qty: Decimal
    price: Decimal = ZERO
    stop_price: Decimal = ZERO
    time_in_force: str = "GTC"
    reduce_only: bool = False
    close_position: bool = False
    position_side: str = "BOTH"
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    created_ms: int = field(default_factory=now_ms)
    updated_ms: int = field(default_factory=now_ms)
    algo: bool = False
    locked_asset: str = ""
    locked: Decimal = ZERO

    @property
    def is_open(self) -> bool:
        """Still working on the book."""
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def avg_price(self) -> Decimal:
        """Average fill price, 0 before the first fill."""
        return self.cum_quote / self.executed if self.executed else ZERO


@dataclass(slots=True)
class Position:
    """A USDⓈ-M position; `amount` is signed in one-way mode, positive per side in hedge."""

    market: MarketSpec
    position_side: str  # BOTH | LONG | SHORT
    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    updated_ms: int = field(default_factory=now_ms)


@dataclass(slots=True)
class Trade:
    """One fill, as myTrades/userTrades report it."""

    trade_id: int
    order: Order
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str
    maker: bool
    realized_pnl: Decimal
    time_ms: int


@dataclass(slots=True)
class Account:
    """One account behind one API key."""

    spec: AccountSpec
    hedge: bool
    spot: dict[str, Balance] = field(default_factory=dict)
    wallet: dict[str, Decimal] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    algo: dict[int, Order] = field(default_factory=dict)
    done: dict[int, Order] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    countdowns: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)
    withdrawals: list[dict[str, str | int]] = field(default_factory=list)
    transfers: list[dict[str, str | int]] = field(default_factory=list)

    def balance(self, asset: str) -> Balance:
        """The spot balance of `asset`, created empty on first use."""
        return self.spot.setdefault(asset, Balance())

    def open_orders(self, market: MarketSpec | None, *, algo: bool = False) -> list[Order]:
        """Open orders on one book, for one market or all of that market kind."""
        book = self.algo if algo else self.orders
        return [o for o in book.values() if (market is None or o.market is market) and o.is_open]


class Exchange:
    """All markets, prices and accounts of one sim."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.spot_markets = {m.market_id: m for m in scenario.markets if not m.is_swap}
        self.swap_markets = {m.market_id: m for m in scenario.markets if m.is_swap}
        self.by_symbol = {m.symbol: m for m in scenario.markets}
        self.prices = {m.symbol: m.price for m in scenario.markets}
        self.accounts = {
            a.api_key: Account(a, hedge=a.position_mode == "hedge") for a in scenario.accounts
        }
        self._ids = itertools.count(1_000_001)
        self.started_ms = now_ms()
        for account in self.accounts.values():
            self._seed(account)

    def next_id(self) -> int:
        """A fresh order/trade id, unique across the sim."""
        return next(self._ids)

    def market(self, market_id: str | None, *, swap: bool) -> MarketSpec:
        """The market for a Binance id on spot or futures, or -1121."""
        if not market_id:
            raise errors.missing("symbol")
        found = (self.swap_markets if swap else self.spot_markets).get(market_id)
        if found is None:
            raise errors.bad_symbol()
        return found

    def bid_ask(self, market: MarketSpec) -> tuple[Decimal, Decimal]:
        """Best bid and ask around the market price, the spread rounded out to the tick."""
        price = self.prices[market.symbol]
        half = price * self.scenario.spread_bps / BPS / 2
        ticks = max((half / market.tick_size).to_integral_value(rounding="ROUND_CEILING"), ONE)
        return price - ticks * market.tick_size, price + ticks * market.tick_size

    def _seed(self, account: Account) -> None:
        for asset, amount in account.spec.spot.items():
            account.balance(asset).free = amount
        account.wallet.update(account.spec.futures)
        for pos in account.spec.positions:
            self._seed_position(account, pos)
        for i, spec in enumerate(account.spec.orders):
            try:
                self._seed_order(account, spec)
            except ValueError as exc:
                raise ConfigError(
                    f"scenario: account {account.spec.name!r}: orders[{i}]: {exc}"
                ) from None

    def _seed_position(self, account: Account, spec: PositionSpec) -> None:
        market = self.by_symbol[spec.symbol]
        sign = 1 if spec.side == "long" else -1
        side = ("LONG" if sign > 0 else "SHORT") if account.hedge else "BOTH"
        amount = spec.amount if account.hedge else spec.amount * sign
        account.positions[(market.market_id, side)] = Position(
            market, side, amount, spec.entry_price
        )
        account.leverage[market.market_id] = spec.leverage

    def _seed_order(self, account: Account, spec: OrderSpec) -> None:
        market = self.by_symbol[spec.symbol]
        conditional = spec.trigger_price is not None
        order = Order(
            order_id=self.next_id(),
            client_id=spec.client_id or f"sim-seed-{len(account.orders) + len(account.algo)}",
            market=market,
            side=spec.side.upper(),
            type=_binance_type(spec, market),
            qty=spec.amount,
            price=spec.price or ZERO,
            stop_price=spec.trigger_price or ZERO,
            reduce_only=spec.reduce_only,
            close_position=spec.close_position,
            position_side=_seed_position_side(account, spec),
            algo=conditional and market.is_swap,
        )
        if not market.is_swap:
            _lock_spot(account, order)
        (account.algo if order.algo else account.orders)[order.order_id] = order


_SPOT_SEED_TYPES = {
    "limit": "LIMIT", "market": "MARKET", "stop": "STOP_LOSS_LIMIT", "stop_market": "STOP_LOSS",
    "take_profit": "TAKE_PROFIT_LIMIT", "take_profit_market": "TAKE_PROFIT",
}  # fmt: skip


def _binance_type(spec: OrderSpec, market: MarketSpec) -> str:
    """The Binance order type for a scenario order: spot and futures name stops differently."""
    return spec.type.upper() if market.is_swap else _SPOT_SEED_TYPES[spec.type]


def _seed_position_side(account: Account, spec: OrderSpec) -> str:
    if spec.position_side:
        return spec.position_side.upper()
    if not account.hedge or not spec.symbol.count(":"):
        return "BOTH"
    opening = spec.side == "buy"
    if spec.reduce_only or spec.close_position:
        opening = not opening
    return "LONG" if opening else "SHORT"


def _lock_spot(account: Account, order: Order) -> None:
    """Move what a resting spot order could spend from free to locked (seeded orders)."""
    if order.side == "BUY":
        asset, amount = order.market.quote, order.qty * (order.price or order.stop_price)
    else:
        asset, amount = order.market.base, order.qty
    bal = account.balance(asset)
    if bal.free < amount:
        raise ValueError(
            f"locks {amount.normalize():f} {asset} but the spot balance is {bal.free.normalize():f}"
        )
    bal.free -= amount
    bal.locked += amount
    order.locked_asset, order.locked = asset, amount
