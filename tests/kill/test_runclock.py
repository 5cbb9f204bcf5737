"""The kill run's clock: one named value for when the run began and when it must end."""

from __future__ import annotations

import time

from botguard.kill.runlog import RunClock


def test_a_run_clock_counts_down_to_its_deadline_and_never_below_zero() -> None:
    clock = RunClock.starting(deadline_s=30.0)
    assert 29.0 < clock.remaining() <= 30.0
    assert clock.deadline == clock.start + 30.0
    assert 0.0 <= clock.elapsed() < 1.0
    spent = RunClock(start=time.monotonic() - 5.0, deadline=time.monotonic() - 1.0)
    assert spent.remaining() == 0.0
    assert spent.elapsed() >= 5.0
