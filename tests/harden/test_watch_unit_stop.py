"""systemd must not SIGKILL the guardian in the middle of a kill when its unit is stopped.

`systemctl stop` sends SIGTERM, then SIGKILL after TimeoutStopSec (90 s by default). The
guardian lets a running kill finish first, bounded by its deadline, grace and margin
(kill.interrupt.kill_bound), then stops within 3 s: the unit must wait at least that.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.config import load_config
from botguard.harden.units import render_watch_unit
from botguard.kill.interrupt import KILL_MARGIN_S

WriteConfig = Callable[..., Path]


@pytest.mark.parametrize(("deadline_s", "grace_s"), [(30, 10), (600, 20), (3600, 3600)])
def test_the_watch_unit_waits_out_a_running_kill_before_sigkill(
    write_config: WriteConfig, deadline_s: int, grace_s: int
) -> None:
    extra = f"[kill]\ndeadline_s = {deadline_s}\ngrace_s = {grace_s}\n"
    unit = render_watch_unit(load_config(write_config(extra=extra)), botguard="/usr/bin/bg")
    (line,) = [x for x in unit.splitlines() if x.startswith("TimeoutStopSec=")]
    seconds = int(line.removeprefix("TimeoutStopSec=").removesuffix("s"))
    assert seconds >= deadline_s + grace_s + KILL_MARGIN_S + 3
