"""The state a guardian writes for its kill: never `flat` when positions were kept."""

from __future__ import annotations

from botguard.fleet.operator import Outcome
from botguard.fleet.status import FINAL, kill_state


def test_a_kill_that_kept_positions_reports_cancelled_and_answers_the_command() -> None:
    assert kill_state(0, "cancelled") == "cancelled"
    assert kill_state(0, "flat") == "flat"
    assert kill_state(1, "residual") == "residual"
    assert kill_state(3, "unreachable") == "unreachable"
    assert "cancelled" in FINAL
    assert Outcome({"h1": "cancelled", "h2": "flat"}).exit_code == 0
