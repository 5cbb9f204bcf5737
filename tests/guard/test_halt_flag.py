"""The halt flag raised by another process refuses the very next order.

The pre-trade check looks for the flag with one access(2) on its path per order (issue
18 kept that, and made it a C call): no cache, no inotify, no file descriptor held on
the state dir. So an order whose check starts after another process created the
flag is refused, with no wait in between, and a state dir deleted and made again
(an operator's `rm -rf`, then `botguard kill`) is seen through the same path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from botguard.guard.engine import Guard
from botguard.guard.errors import GuardRejected
from botguard.guard.policy import Policy
from botguard.guard.rules import Intent, Rule
from botguard.halt import halt_flag_path

from .conftest import BTC


def in_another_process(code: str, path: Path) -> None:
    """Run `code` with `path` bound, in a fresh interpreter, and wait for it to exit."""
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)


def raise_flag(state: Path) -> None:
    in_another_process(
        "import sys, os; os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True); "
        "open(sys.argv[1], 'w').write('{}')",
        halt_flag_path(state),
    )


def refused(engine: Guard) -> Rule | None:
    try:
        engine.admit_one(Intent(BTC, 1, 0.001, 20_000.0), resting=True)
    except GuardRejected as rejected:
        return rejected.trip.rule
    return None


def test_the_order_after_another_process_raises_the_flag_is_refused(
    tmp_path: Path, clock: Any
) -> None:
    state = tmp_path / "state"
    engine = Guard(Policy(state_dir=state), clock=clock, market_of=lambda s: None)
    verdicts = []
    for _ in range(5):
        verdicts.append(refused(engine))
        raise_flag(state)  # returns once the other process has exited: the flag exists
        verdicts.append(refused(engine))
        in_another_process("import os, sys; os.remove(sys.argv[1])", halt_flag_path(state))

    assert verdicts == [None, Rule.STATE] * 5


@pytest.mark.parametrize("made_again_by", ["the other process", "nobody until the flag"])
def test_a_state_dir_deleted_and_made_again_is_watched_by_its_path(
    tmp_path: Path, clock: Any, made_again_by: str
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    engine = Guard(Policy(state_dir=state), clock=clock, market_of=lambda s: None)
    assert refused(engine) is None
    shutil.rmtree(state)
    if made_again_by == "the other process":
        in_another_process("import os, sys; os.makedirs(sys.argv[1])", state)
    assert refused(engine) is None

    raise_flag(state)

    assert refused(engine) is Rule.STATE
