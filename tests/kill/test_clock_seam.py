"""The kill and the venues take their time from an injected Clock (issue 16, item 4).

With botguard.testing.VirtualClock a deadline passes without waiting for it: these
runs retry until a 30-60 s deadline in well under a second of real time, against the
same code paths as a real kill (the venue over real HTTP against the sim).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from botguard.config import AccountConfig
from botguard.journal import Journal
from botguard.kill.runlog import RunClock, RunLog
from botguard.kill.verify import Settings, settle_account
from botguard.testing.clock import VirtualClock
from botguard.testing.fake_venue import FakeVenue, spot_market
from botguard.testing.sim import start_sim
from botguard.venues import open_venue
from botguard.venues.errors import VenueUnavailable

from .conftest import bg_account, sim_account

REAL_BOUND_S = 20.0
"""Generous, for a loaded machine: without the seam these runs take 30-60 real seconds."""


async def test_an_unreachable_account_is_given_up_at_its_deadline(tmp_path: Path) -> None:
    venue = FakeVenue(
        "main", balances={"USDT": "100", "BTC": "1"}, markets=[spot_market("BTC/USDT")]
    )
    for _ in range(1000):
        venue.fail("exposure", VenueUnavailable("503 Service Unavailable"))
    clock = VirtualClock()
    settings = Settings(keep=frozenset(), quote="USDT", prefix="bg")
    started = time.monotonic()
    with Journal(tmp_path) as journal:
        run = RunClock.starting(30.0, clock=clock)
        result = await settle_account(venue, settings, RunLog(journal, "kill"), clock=run)
    assert result.status == "unreachable"
    assert time.monotonic() - started < REAL_BOUND_S
    assert 29.0 <= run.elapsed() <= 30.0  # it kept trying until the deadline, not past it
    assert venue.calls.count("exposure") > 50


@pytest.mark.sim
async def test_the_venue_retries_until_its_deadline_then_gives_up() -> None:
    """Every request answers 503: markets are retried (with backoff) until the deadline."""
    async with start_sim({"account": [sim_account()]}, faults="* *:503") as sim:
        clock = VirtualClock()
        account = AccountConfig.model_validate(bg_account(sim.url, markets=["spot"]))
        venue = open_venue(account, clock=clock, jitter=lambda: 0.5)
        venue.deadline = clock.monotonic() + 60.0
        started = time.monotonic()
        try:
            with pytest.raises(VenueUnavailable):
                await venue.load_markets()
        finally:
            await venue.close()
        requests = [(e["method"], e["path"]) for e in sim.log()]
    assert time.monotonic() - started < REAL_BOUND_S
    assert 55.0 <= clock.t - 1000.0 <= 60.0  # backed off until the deadline, never past it
    assert clock.slept[:3] == pytest.approx([0.15, 0.3, 0.6])  # injected jitter: 0.1 * 2**n * 1.5
    assert len(requests) > len(clock.slept) >= 20  # a try after every backoff
