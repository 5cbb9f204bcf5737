"""The watchdog's rules over account snapshots."""

from __future__ import annotations

from decimal import Decimal

import pytest

from botguard.guard.policy import Policy
from botguard.guard.rules import (
    Rule,
    check_auth_errors,
    check_drawdown,
    check_foreign,
    check_heartbeat,
    check_seen_rate,
    check_snapshot_policy,
)
from botguard.guard.snapshot import SeenOrder, Snapshot

BTC = "BTC/USDT:USDT"


def order(
    client_id: str | None = "bgab12", *, filled: float = 0, ts: int = 0, notional: float = 100
) -> SeenOrder:
    return SeenOrder(f"{ts}{client_id}", BTC, client_id, ts, "open", filled, notional)


@pytest.mark.parametrize(
    ("peak", "equity", "objects"),
    [(100_000, 95_000, False), (100_000, 90_000, True), (100_000, 120_000, False)],
)
def test_drawdown_is_measured_from_the_peak(peak: float, equity: float, objects: bool) -> None:
    assert (check_drawdown(peak, equity, 10) is not None) is objects


def test_drawdown_from_peak_not_start() -> None:
    # started at 100k, ran up to 150k, fell to 130k: -13% from peak, +30% from start
    trip = check_drawdown(150_000, 130_000, 10)
    assert trip is not None
    assert "13.33% below its peak 150,000" in trip.message


def test_drawdown_disabled() -> None:
    assert check_drawdown(100, 1, None) is None


def test_heartbeat() -> None:
    assert check_heartbeat(None, 60) is None
    assert check_heartbeat(59.9, 60) is None
    trip = check_heartbeat(61, 60)
    assert trip is not None
    assert trip.rule is Rule.HEARTBEAT


def test_auth_errors() -> None:
    assert check_auth_errors(2, 3, "x") is None
    trip = check_auth_errors(3, 3, "AuthenticationError: invalid key")
    assert trip is not None
    assert "3 authentication errors in a row" in trip.message


@pytest.mark.parametrize(
    ("seen", "rule"),
    [
        ((order("bgab12"), order("bg99")), None),
        ((order(None),), None),
        ((order("web_123abc"),), Rule.FOREIGN_ORDER),
        ((order("bgok"), order("x-xcKtGhcu123", filled=0.1)), Rule.FOREIGN_FILL),
    ],
)
def test_foreign_client_ids(seen: tuple[SeenOrder, ...], rule: Rule | None) -> None:
    trip = check_foreign(seen, ("bg",))
    assert (trip.rule if trip else None) is rule


def test_snapshot_outside_policy() -> None:
    policy = Policy(symbols=frozenset({BTC}), max_order_notional=1000, max_position_notional=50_000)
    ok = Snapshot("main", Decimal(1), (order(notional=900),), (), {BTC: -40_000})
    assert check_snapshot_policy(policy, ok) is None
    big_order = Snapshot("main", None, (order(notional=5000),))
    assert check_snapshot_policy(policy, big_order).rule is Rule.ORDER_NOTIONAL  # type: ignore[union-attr]
    big_position = Snapshot("main", None, (), (), {BTC: -60_000})
    assert check_snapshot_policy(policy, big_position).rule is Rule.POSITION_NOTIONAL  # type: ignore[union-attr]
    other = Snapshot("main", None, (), (), {"ETH/USDT:USDT": 10})
    assert check_snapshot_policy(policy, other).rule is Rule.SYMBOL  # type: ignore[union-attr]


def test_seen_rate_counts_the_busiest_second_and_the_minute() -> None:
    policy = Policy(max_orders_per_second=3, max_orders_per_minute=10)
    now = 100_000
    three_in_a_second = tuple(order(ts=now - 5000 + i * 100) for i in range(3))
    assert check_seen_rate(policy, three_in_a_second, now) is None
    four = tuple(order(ts=now - 5000 + i * 100) for i in range(4))
    assert check_seen_rate(policy, four, now).rule is Rule.RATE_PER_SECOND  # type: ignore[union-attr]
    eleven_spread = tuple(order(ts=now - 59_000 + i * 5000) for i in range(11))
    assert check_seen_rate(policy, eleven_spread, now).rule is Rule.RATE_PER_MINUTE  # type: ignore[union-attr]
    old = tuple(order(ts=now - 120_000 + i * 5000) for i in range(11))
    assert check_seen_rate(policy, old, now) is None
