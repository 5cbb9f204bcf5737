"""The pre-trade rules, table by table: each objects exactly past its limit."""

from __future__ import annotations

import pytest

from botguard.guard.policy import Policy
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

BTC = "BTC/USDT:USDT"


def buy(amount: float, price: float, symbol: str = BTC) -> Intent:
    return Intent(symbol, 1, amount, price)


def test_every_state_has_its_wire_value() -> None:
    assert {s.value for s in GuardState} == {"active", "reducing", "halted"}


@pytest.mark.parametrize(
    ("symbols", "symbol", "objects"),
    [(None, BTC, False), (frozenset({BTC}), BTC, False), (frozenset({BTC}), "ETH/USDT", True)],
)
def test_symbol(symbols: frozenset[str] | None, symbol: str, objects: bool) -> None:
    trip = check_symbol(Policy(symbols=symbols), buy(1, 1, symbol))
    assert (trip is not None) is objects
    if trip:
        assert trip.rule is Rule.SYMBOL
        assert "ETH/USDT is not in [guard] symbols" in trip.message


@pytest.mark.parametrize(
    ("amount", "price", "objects"), [(0.5, 20000, False), (1, 20000, False), (1.0001, 20000, True)]
)
def test_order_notional(amount: float, price: float, objects: bool) -> None:
    trip = check_order_notional(Policy(max_order_notional=20000), buy(amount, price))
    assert (trip is not None) is objects


def test_order_notional_message_names_numbers() -> None:
    trip = check_order_notional(Policy(max_order_notional=1000), buy(1, 20000))
    assert trip is not None
    assert trip.message == f"{BTC} order notional 20,000 > max_order_notional 1,000"
    assert trip.as_dict()["rule"] == "order_notional"


@pytest.mark.parametrize(
    ("price", "last", "objects"),
    [(20000, 20000, False), (21000, 20000, False), (21001, 20000, True), (18999, 20000, True)],
)
def test_price_band(price: float, last: float, objects: bool) -> None:
    trip = check_price_band(Policy(price_band=0.05), buy(1, price), last)
    assert (trip is not None) is objects


@pytest.mark.parametrize(("projected", "objects"), [(0.5, False), (-0.5, False), (-0.51, True)])
def test_position_notional(projected: float, objects: bool) -> None:
    trip = check_position_notional(Policy(max_position_notional=10000), buy(1, 20000), projected)
    assert (trip is not None) is objects


def test_total_notional() -> None:
    policy = Policy(max_total_notional=100)
    assert check_total_notional(policy, BTC, 100) is None
    assert check_total_notional(policy, BTC, 100.01) is not None


@pytest.mark.parametrize(("open_orders", "objects"), [(0, False), (4, False), (5, True)])
def test_open_orders(open_orders: int, objects: bool) -> None:
    assert (check_open_orders(Policy(max_open_orders=5), open_orders) is not None) is objects


@pytest.mark.parametrize(
    ("second", "minute", "rule"),
    [
        (1, 10, None),
        (2, 10, Rule.RATE_PER_SECOND),
        (1, 30, Rule.RATE_PER_MINUTE),
        (5, 30, Rule.RATE_PER_SECOND),
    ],
)
def test_order_rate(second: int, minute: int, rule: Rule | None) -> None:
    trip = check_order_rate(
        Policy(max_orders_per_second=2, max_orders_per_minute=30), second, minute
    )
    assert (trip.rule if trip else None) is rule


def test_daily_loss() -> None:
    policy = Policy(max_daily_loss=500)
    assert check_daily_loss(policy, 500) is None
    trip = check_daily_loss(policy, 500.5)
    assert trip is not None
    assert "only orders that reduce exposure pass" in trip.message


def test_no_limits_means_nothing_objects() -> None:
    policy = Policy()
    intent = buy(1e6, 1e6)
    assert check_symbol(policy, intent) is None
    assert check_order_notional(policy, intent) is None
    assert check_position_notional(policy, intent, 1e9) is None
    assert check_order_rate(policy, 10**6, 10**6) is None
