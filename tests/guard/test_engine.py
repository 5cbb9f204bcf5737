"""The engine without an exchange: states, breach counting, the trip, the book."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botguard.guard.engine import Guard
from botguard.guard.errors import GuardRejected, GuardTripped
from botguard.guard.policy import Policy
from botguard.guard.rules import Intent, Rule, Trip
from botguard.guard.state import GuardState
from botguard.halt import clear_halt, is_halted, read_halt, set_halt
from botguard.journal import Journal

BTC = "BTC/USDT:USDT"
MARKETS: dict[str, dict[str, Any]] = {
    BTC: {"contract": True, "contractSize": 1, "spot": False},
    "ETH/USDT": {"spot": True, "base": "ETH"},
}


def make(tmp_path: Path, clock: Any, **limits: Any) -> tuple[Guard, list[Trip]]:
    trips: list[Trip] = []
    policy = Policy(state_dir=tmp_path / "state", **limits)
    engine = Guard(policy, clock=clock, market_of=MARKETS.get, on_trip=trips.append, account="main")
    return engine, trips


def buy(amount: float, price: float = 20000, *, reduce_only: bool = False) -> Intent:
    return Intent(BTC, 1, amount, price, reduce_only)


def sell(amount: float, price: float = 20000, *, reduce_only: bool = False) -> Intent:
    return Intent(BTC, -1, amount, price, reduce_only)


def test_breaches_within_a_minute_trip_once(tmp_path: Path, clock: Any) -> None:
    engine, trips = make(tmp_path, clock, max_order_notional=1000, trip_after_breaches=3)
    for _ in range(2):
        with pytest.raises(GuardRejected) as rejected:
            engine.check(buy(1), resting=True)
        assert not isinstance(rejected.value, GuardTripped)
        clock.advance(20)
    with pytest.raises(GuardTripped):
        engine.check(buy(1), resting=True)

    assert [t.rule for t in trips] == [Rule.ORDER_NOTIONAL]
    assert engine.state is GuardState.HALTED
    assert is_halted(tmp_path / "state")
    assert "order_notional" in (read_halt(tmp_path / "state") or {})["reason"]
    with Journal(tmp_path / "state") as journal:
        assert len(journal.events("breach")) == 3
        (trip,) = journal.events("trip")
    assert trip["detail"]["rule"] == "order_notional"
    assert trip["account"] == "main"


def test_breaches_spread_over_more_than_a_minute_do_not_trip(tmp_path: Path, clock: Any) -> None:
    engine, trips = make(tmp_path, clock, max_order_notional=1000, trip_after_breaches=2)
    for _ in range(3):
        with pytest.raises(GuardRejected):
            engine.check(buy(1), resting=True)
        clock.advance(61)
    assert trips == []
    assert engine.state is GuardState.ACTIVE


def test_halt_flag_from_another_process_refuses_new_orders_but_passes_exits(
    tmp_path: Path, clock: Any
) -> None:
    engine, _ = make(tmp_path, clock)
    engine.book.set_position(BTC, 0.5)
    engine.check(buy(0.1), resting=True)

    set_halt(tmp_path / "state", "manual kill")

    with pytest.raises(GuardRejected) as rejected:
        engine.check(buy(0.1), resting=True)
    assert rejected.value.trip.rule is Rule.STATE
    assert "halted" in str(rejected.value)
    with pytest.raises(GuardRejected):  # reducing, but not flagged reduce-only
        engine.check(sell(0.1), resting=False)
    with pytest.raises(GuardRejected):  # flagged, but would flip the position
        engine.check(sell(0.6, reduce_only=True), resting=False)
    engine.check(sell(0.5, reduce_only=True), resting=False)

    clear_halt(tmp_path / "state")
    assert engine.state is GuardState.ACTIVE
    with Journal(tmp_path / "state") as journal:
        states = [(e["detail"]["from"], e["detail"]["to"]) for e in journal.events("state")]
    assert states == [("active", "halted"), ("halted", "active")]


def test_state_rejections_do_not_count_as_breaches(tmp_path: Path, clock: Any) -> None:
    engine, trips = make(tmp_path, clock, trip_after_breaches=1)
    engine.set_state(GuardState.REDUCING, "test")
    with pytest.raises(GuardRejected):
        engine.check(buy(1), resting=True)
    assert trips == []


def test_reducing_state_passes_only_shrinking_orders(tmp_path: Path, clock: Any) -> None:
    engine, _ = make(tmp_path, clock)
    engine.book.set_position(BTC, -2.0)
    engine.set_state(GuardState.REDUCING, "by hand")
    engine.check(buy(2.0), resting=False)
    with pytest.raises(GuardRejected):
        engine.check(buy(2.5), resting=False)
    with pytest.raises(GuardRejected):
        engine.check(sell(0.1), resting=False)


def test_daily_realised_loss_switches_to_reducing_until_tomorrow(
    tmp_path: Path, clock: Any
) -> None:
    engine, _ = make(tmp_path, clock, max_daily_loss=100, trip_after_breaches=10)
    today = engine.today()
    engine.book.apply_fill(BTC, 1.0, 20000, today)
    engine.book.apply_fill(BTC, -0.5, 19700, today)  # realised -150
    assert engine.book.loss_today(today) == pytest.approx(150)

    with pytest.raises(GuardRejected) as rejected:
        engine.check(buy(0.1), resting=True)
    assert rejected.value.trip.rule is Rule.DAILY_LOSS
    assert engine.state is GuardState.REDUCING
    engine.check(sell(0.5), resting=False)  # the remaining long can still be closed

    clock.advance(24 * 3600)
    assert engine.book.loss_today(engine.today()) == 0


def test_position_and_open_orders_project_exposure(tmp_path: Path, clock: Any) -> None:
    engine, _ = make(tmp_path, clock, max_position_notional=30000, max_open_orders=2)
    engine.book.set_position(BTC, 0.5)
    engine.book.add_open("1", BTC, 1, 0.5)
    with pytest.raises(GuardRejected) as rejected:
        engine.check(buy(0.6), resting=True)  # 0.5 + 0.5 open + 0.6 = 1.6 BTC = 32,000
    assert rejected.value.trip.rule is Rule.POSITION_NOTIONAL
    engine.check(buy(0.4), resting=True)  # 1.4 BTC = 28,000
    engine.book.add_open("2", BTC, -1, 0.1)
    with pytest.raises(GuardRejected) as rejected:
        engine.check(buy(0.01), resting=True)
    assert rejected.value.trip.rule is Rule.OPEN_ORDERS
    engine.check(buy(0.01), resting=False)  # a market order does not rest


def test_rate_limits_count_sent_orders(tmp_path: Path, clock: Any) -> None:
    engine, _ = make(tmp_path, clock, max_orders_per_second=3, trip_after_breaches=5)
    for _ in range(3):
        engine.check(buy(0.01), resting=False)
    with pytest.raises(GuardRejected) as rejected:
        engine.check(buy(0.01), resting=False)
    assert rejected.value.trip.rule is Rule.RATE_PER_SECOND
    clock.advance(1.01)
    engine.check(buy(0.01), resting=False)


def test_client_ids_carry_the_prefix_and_are_unique(tmp_path: Path, clock: Any) -> None:
    engine, _ = make(tmp_path, clock)
    ids = {engine.client_id(None) for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.startswith("bg") and i.isalnum() and len(i) <= 32 for i in ids)
    assert engine.client_id("bgmine") == "bgmine"
    assert engine.client_id("mine") == "bgmine"
    with pytest.raises(GuardRejected) as rejected:
        engine.client_id("x" * 31)
    assert rejected.value.trip.rule is Rule.CLIENT_ID


def test_contract_size_scales_amounts(tmp_path: Path, clock: Any) -> None:
    engine, _ = make(tmp_path, clock)
    MARKETS["ETH/USD:ETH"] = {"contract": True, "contractSize": 10}
    assert engine.size_of("ETH/USD:ETH") == 10
    assert engine.size_of("ETH/USDT") == 1
    assert engine.size_of("UNKNOWN/X") == 1
