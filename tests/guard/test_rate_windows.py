"""The order-rate limits: exact counts, and no object kept per order (issue 18's tail).

Measured (benchmarks/guard.py's worker, 50,000 orders): while the minute window filled,
the rate windows' deques kept one float and a deque slot per order for 60 s, about one
fresh page (a minor fault) per 100 orders: the wrapper's p99 sat on those faults.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.guard.engine import Guard
from botguard.guard.errors import GuardRejected
from botguard.guard.policy import Policy
from botguard.guard.rate import RateWindows
from botguard.guard.rules import Intent, Rule

from .conftest import BTC, ManualClock


def _engine(state: Path | None, clock: Any, per_second: float, per_minute: float) -> Guard:
    policy = Policy(state_dir=state, symbols=frozenset({BTC}), max_orders_per_second=per_second,
                    max_orders_per_minute=per_minute, trip_after_breaches=10**9)  # fmt: skip
    return Guard(policy, clock=clock, market_of=lambda symbol: None)


def _order() -> Intent:
    return Intent(BTC, 1, 0.001, 20_000.0)


steps = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.001, 0.3, 0.999, 1.0, 1.5, 20.0, 59.9, 60.0, 61.0]),
        st.integers(min_value=1, max_value=4),  # orders in one batch
        st.booleans(),  # the batch ends with an order the next rule refuses
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps=steps, per_second=st.integers(1, 6), per_minute=st.integers(1, 25))
def test_the_limits_count_exactly_the_orders_admitted_in_each_window(
    steps: list[tuple[float, int, bool]], per_second: int, per_minute: int
) -> None:
    clock = ManualClock()
    engine = _engine(None, clock, per_second, per_minute)
    admitted: list[float] = []  # the model: every admitted order's time
    for advance, size, refused_last in steps:
        clock.advance(advance)
        now = clock.t
        batch = [(_order(), False)] * size
        if refused_last:
            batch.append((Intent("NOT/LISTED", 1, 1e9, 1e9), False))
        last_second = sum(1 for t in admitted if t > now - 1.0)
        last_minute = sum(1 for t in admitted if t > now - 60.0)
        room = min(per_second - last_second, per_minute - last_minute)
        fits = size <= room and not refused_last
        if not fits:  # all or none: a refused batch leaves no order counted
            with pytest.raises(GuardRejected) as refused:
                engine.admit(batch)
            rate = (Rule.RATE_PER_SECOND, Rule.RATE_PER_MINUTE)
            assert (refused.value.trip.rule in rate) == (size > room)
            continue
        engine.settle(engine.admit(batch))
        admitted.extend([now] * size)


def test_a_symbol_limit_refusal_in_a_batch_gives_back_its_rate_slots() -> None:
    clock = ManualClock()
    engine = _engine(None, clock, per_second=2, per_minute=100)
    batch = [(_order(), False), (Intent("NOT/LISTED", 1, 1.0, 1.0), False)]
    for _ in range(3):  # refused each time: the first order's slot is given back each time
        with pytest.raises(GuardRejected) as refused:
            engine.admit(batch)
        assert refused.value.trip.rule is Rule.SYMBOL
    engine.settle(engine.admit([(_order(), False), (_order(), False)]))


def test_orders_keep_no_object_each_while_the_minute_window_fills(tmp_path: Path) -> None:
    clock = ManualClock()
    engine = _engine(tmp_path / "state", clock, per_second=1e9, per_minute=1e9)
    intent = _order()

    def place(n: int) -> None:
        for _ in range(n):
            clock.advance(1e-5)  # a fresh float per order, as time.monotonic() gives
            engine.settle(engine.admit([(intent, False)]))

    place(1_000)  # warm: the windows' storage has grown past its first size
    before = sys.getallocatedblocks()
    place(20_000)  # 0.2 s: all 21,000 orders are still inside both windows
    kept = sys.getallocatedblocks() - before
    assert kept < 500, f"{kept} memory blocks kept by 20,000 orders"


@settings(max_examples=100, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["add", "add", "add", "drop", "count"]),
            st.sampled_from([0.0, 0.01, 0.5, 1.0, 2.0, 30.0, 60.0, 61.0]),
        ),
        max_size=120,
    ),
    per_second=st.integers(1, 50),
    per_minute=st.integers(1, 400),
)
def test_the_ring_counts_as_a_list_of_times_would_as_it_grows(
    ops: list[tuple[str, float]], per_second: int, per_minute: int
) -> None:
    windows = RateWindows(per_second, per_minute, capacity=2)  # every doubling exercised
    model: list[float] = []
    now = 0.0
    for op, advance in ops:
        now += advance
        if op == "add":
            windows.counts(now)  # the engine always counts before it adds
            windows.add(now)
            model.append(now)
        elif op == "drop" and model and model[-1] == now:  # only the order just added
            windows.drop_newest()
            model.pop()
        second, minute = windows.counts(now)
        exact = (sum(1 for t in model if t > now - 1.0), sum(1 for t in model if t > now - 60.0))
        # exact at or above a limit; below it an upper bound that stays below it
        assert second == exact[0] if exact[0] >= per_second else exact[0] <= second < per_second
        assert minute == exact[1] if exact[1] >= per_minute else exact[1] <= minute < per_minute
