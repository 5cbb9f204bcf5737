"""The pre-trade check's shortcut gives every order the verdict the rule chain gives.

`Guard.check` first asks `_passes` (each rule's pass condition, inline, issue 18's
tail) and runs the rule functions only when it says no. These properties hold the
engine to the rule chain as it stood before the shortcut, written out here from the
rule functions: the same rule refuses, or none does, on generated books, limits and
orders (NaN and infinite sizes and prices included), and a daily loss still moves the
guard to REDUCING.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.guard.book import Reservation
from botguard.guard.engine import Guard
from botguard.guard.errors import GuardRejected
from botguard.guard.policy import INF, Policy
from botguard.guard.rules import (
    Intent,
    Rule,
    check_daily_loss,
    check_open_orders,
    check_order_notional,
    check_order_rate,
    check_position_notional,
    check_price_band,
    check_symbol,
    check_total_notional,
)
from botguard.guard.state import GuardState

from .conftest import BTC, ManualClock

ETH, DOGE = "ETH/USDT:USDT", "DOGE/USDT:USDT"
DAY = date(2026, 11, 28)  # ManualClock's day

limit = st.one_of(st.just(INF), st.floats(0, 50_000, allow_nan=False))
count = st.one_of(st.just(INF), st.integers(0, 6).map(float))
size = st.one_of(st.floats(0, 3, allow_nan=False), st.sampled_from([float("nan"), INF]))
last = st.one_of(st.just(20_000.0), st.floats(1, 40_000, allow_nan=False))
price = st.one_of(
    st.floats(15_000, 25_000),  # near a last price of 20,000: the band's edges
    st.floats(1, 40_000, allow_nan=False),
    st.sampled_from([float("nan"), INF]),
)
qty = st.floats(-2, 2, allow_nan=False)
symbol = st.sampled_from([BTC, ETH, DOGE])


@dataclass
class World:
    """Everything the verdict depends on, before the order."""

    policy: Policy
    positions: dict[str, float]
    prices: dict[str, float]
    open_orders: list[tuple[str, int, float]]
    reserved: list[tuple[str, int, float, bool]]
    losing_fill: float
    recent_orders: int


worlds = st.builds(
    World,
    policy=st.builds(
        Policy,
        symbols=st.one_of(st.none(), st.just(frozenset({BTC, ETH}))),
        max_order_notional=limit,
        max_position_notional=limit,
        max_total_notional=limit,
        max_open_orders=count,
        max_orders_per_second=count,
        max_orders_per_minute=count,
        price_band=st.one_of(st.just(INF), st.floats(0, 0.2, allow_nan=False)),
        max_daily_loss=st.one_of(st.just(INF), st.floats(0, 500, allow_nan=False)),
        trip_after_breaches=st.just(10**9),
    ),
    positions=st.dictionaries(symbol, qty, max_size=3),
    prices=st.dictionaries(symbol, last, max_size=3),
    open_orders=st.lists(st.tuples(symbol, st.sampled_from([1, -1]), st.floats(0, 2)), max_size=3),
    reserved=st.lists(
        st.tuples(symbol, st.sampled_from([1, -1]), st.floats(0, 2), st.booleans()), max_size=3
    ),
    losing_fill=st.floats(0, 1_000, allow_nan=False),
    recent_orders=st.integers(0, 7),
)
orders = st.builds(
    Intent, symbol, st.sampled_from([1, -1]), size, price, st.booleans()
)  # fmt: skip


def build(world: World) -> Guard:
    """A guard whose book, rate windows and realised loss are the world's."""
    clock = ManualClock()
    engine = Guard(world.policy, clock=clock, market_of=lambda s: None)
    book = engine.book
    if world.losing_fill:  # buy 1 at 1,000, sell 1 at 1,000 - loss: realised -loss
        book.apply_fill(DOGE, 1.0, 1_000.0, DAY)
        book.apply_fill(DOGE, -1.0, 1_000.0 - world.losing_fill, DAY)
    for sym, q in world.positions.items():
        book.set_position(sym, q)
    for sym, p in world.prices.items():
        book.set_price(sym, p, clock.monotonic())
    for i, (sym, sign, remaining) in enumerate(world.open_orders):
        book.add_open(f"o{i}", sym, sign, remaining)
    for i, (sym, sign, amount, resting) in enumerate(world.reserved):
        book.reserve(i, Reservation(sym, sign, amount, resting))
    for _ in range(world.recent_orders):
        engine._rates.add(clock.monotonic() - 0.5)
    return engine


def rule_chain(engine: Guard, intent: Intent, *, resting: bool) -> tuple[Rule | None, bool]:
    """The verdict as the rule functions give it (the engine's chain before the
    shortcut), and whether a daily loss objected (the guard then turns REDUCING)."""
    p, book = engine.policy, engine.book
    second, minute = engine._rates.counts(engine.monotonic())
    trip = (
        check_symbol(p, intent)
        or check_order_notional(p, intent)
        or (check_price_band(p, intent, book.prices.get(intent.symbol, 0.0))
            if p.price_band != INF else None)
        or check_order_rate(p, second, minute)
        or (check_open_orders(p, book.open_count) if resting else None)
    )  # fmt: skip
    if trip is not None:
        return trip.rule, False
    projected = book.projected(intent.symbol, intent.sign, intent.amount)
    trip = check_position_notional(p, intent, projected) or (
        check_total_notional(p, intent.symbol, book.total_notional(intent.symbol, projected,
                                                                   intent.price))
        if p.max_total_notional != INF else None
    )  # fmt: skip
    lost = False
    if trip is None and p.max_daily_loss != INF and book.realised < 0:
        trip = check_daily_loss(p, book.loss_today(DAY))
        lost = trip is not None
    reducing = book.is_reducing(intent.symbol, intent.sign, intent.amount) or (
        intent.reduce_only and intent.symbol not in book.positions
    )
    return (None if trip is None or reducing else trip.rule), lost


def verdict(engine: Guard, intent: Intent, *, resting: bool) -> Rule | None:
    try:
        engine.check(intent, resting=resting)
    except GuardRejected as rejected:
        return rejected.trip.rule
    return None


@settings(max_examples=600, deadline=None)
@given(world=worlds, intent=orders, resting=st.booleans())
def test_the_engine_refuses_exactly_what_the_rule_chain_refuses(
    world: World, intent: Intent, resting: bool
) -> None:
    expected, lost = rule_chain(build(world), intent, resting=resting)
    engine = build(world)

    assert verdict(engine, intent, resting=resting) == expected
    assert engine.state is (GuardState.REDUCING if lost else GuardState.ACTIVE)


@settings(max_examples=200, deadline=None)
@given(world=worlds, intents=st.lists(st.tuples(orders, st.booleans()), min_size=2, max_size=5))
def test_orders_in_a_row_get_the_rule_chains_verdicts_as_the_book_fills(
    world: World, intents: list[tuple[Intent, bool]]
) -> None:
    """Each admitted order is reserved and counted, so later ones see it (admit_one)."""
    engine = build(world)
    for intent, resting in intents:
        expected, _ = rule_chain(engine, intent, resting=resting)
        if engine.state is not GuardState.ACTIVE:
            return  # a daily loss moved the guard to REDUCING: test_engine covers that state
        got: Any
        try:
            engine.admit_one(intent, resting=resting)
            got = None
        except GuardRejected as rejected:
            got = rejected.trip.rule
        assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    band=st.floats(0, 0.2, allow_nan=False),
    above=st.booleans(),
    nudge=st.sampled_from([-1.0, 0.0, 1.0]),
)
def test_the_price_band_edge_is_where_the_rule_puts_it(
    band: float, above: bool, nudge: float
) -> None:
    """Prices on the band's edge and one float step either side of it."""
    edge = 20_000.0 * (1 + band if above else 1 - band)
    price = math.nextafter(edge, edge + nudge) if nudge else edge
    world = World(Policy(price_band=band, trip_after_breaches=10**9), {}, {BTC: 20_000.0},
                  [], [], 0.0, 0)  # fmt: skip
    intent = Intent(BTC, 1, 0.001, price)
    expected = check_price_band(world.policy, intent, 20_000.0)

    assert verdict(build(world), intent, resting=True) == (expected and expected.rule)
