"""A bug is not an outage (issue 11, item 8): only ccxt's and the network's errors are
retried as "exchange unavailable"; anything else fails the account at once, is journaled
as failed and reads as one line.

The TypeError comes from a FakeVenue subclass (a bug in a venue cannot be provoked from
the sim, which is the exchange); the venue-level test drives a real ccxt binance over
HTTP against the sim.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from botguard.journal import Journal
from botguard.kill.report import KillReport, outcome_line
from botguard.kill.runlog import RunClock, RunLog
from botguard.kill.verify import AccountStatus, Settings, settle_account
from botguard.testing.fake_venue import FakeVenue, spot_market
from botguard.testing.sim import start_sim
from botguard.venues import open_venue
from botguard.venues.errors import VenueUnavailable, translate

from .conftest import bg_account, make_config, sim_account


class BuggyVenue(FakeVenue):
    """A venue whose cancel has a programming error in it."""

    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        self.calls.append("cancel_all")
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")


async def test_a_type_error_in_a_venue_call_fails_the_account_once(tmp_path: Path) -> None:
    """settle_account is the kill's per-account loop; the run journals its report the
    way run_kill does (report.status, report.summary())."""
    from decimal import Decimal

    from botguard.venues.types import Order, Side

    venue = BuggyVenue(
        "main",
        balances={"USDT": "100"},
        markets=[spot_market("BTC/USDT")],
        orders=[Order("1", "BTC/USDT", "spot", Side.SELL, Decimal("0.1"), Decimal(70000))],
    )
    settings = Settings(keep=frozenset(), quote="USDT", prefix="bg")
    with Journal(tmp_path) as journal:
        log = RunLog(journal, "kill")
        started = time.monotonic()
        result = await settle_account(venue, settings, log, clock=RunClock.starting(5))
        elapsed = time.monotonic() - started
        report = KillReport(log.run_id, "test", accounts=[result])
        log.finish(report.status, report.summary())
        (run,) = journal.runs("kill")
        steps = journal.steps(run.id)
    assert elapsed < 2  # not retried until the deadline
    assert venue.calls.count("cancel_all") == 1
    assert result.status is AccountStatus.FAILED
    assert report.exit_code == 1  # not 3: a retry would meet the same bug
    line = outcome_line(report)
    assert "\n" not in line
    assert "TypeError" in line
    assert "bug" in line
    assert run.status == "failed"
    assert [s["status"] for s in steps if s["action"] == "account"] == ["failed"]


@pytest.mark.sim
async def test_a_bug_inside_a_ccxt_call_is_raised_not_retried(tmp_path: Path) -> None:
    async with start_sim({"account": [sim_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        venue = open_venue(config.account[0], cache_dir=tmp_path)
        try:
            await venue.load_markets()
            before = venue.requests
            with pytest.raises((TypeError, AttributeError)):
                await venue._call("fetch_balance", 42)  # params must be a dict: a bug
            assert venue.requests == before + 1  # one try, no retry
        finally:
            await venue.close()


def test_only_network_errors_are_translated_as_unavailable() -> None:
    import aiohttp

    bug = KeyError("price")
    assert translate(bug) is bug
    assert isinstance(translate(aiohttp.ServerDisconnectedError()), VenueUnavailable)
    assert isinstance(translate(ConnectionResetError()), VenueUnavailable)
    assert isinstance(translate(TimeoutError()), VenueUnavailable)
