"""Execute and verify against FakeVenue (in memory): retries never double an order.

FakeVenue stands in for the exchange only where a fault must land an order and then
fail the response deterministically; the same paths run against the sim elsewhere.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from botguard.journal import Journal
from botguard.kill.runlog import RunClock, RunLog
from botguard.kill.verify import Settings, settle_account
from botguard.testing.fake_venue import FakeVenue, spot_market, swap_market
from botguard.venues.base import Quirks
from botguard.venues.errors import VenueAuthError, VenueUnavailable
from botguard.venues.types import Order, Position, PositionSide, Side

SETTINGS = Settings(keep=frozenset({"BNB"}), quote="USDT", prefix="bg")
FAST = Quirks(landing_window_s=0.05)
"""An in-memory order cannot land late: no need to wait Binance's 6 s before the re-check."""


def venue() -> FakeVenue:
    v = FakeVenue(
        "main",
        balances={"USDT": "100", "BTC": "0.5", "BNB": "2"},
        markets=[spot_market("BTC/USDT"), spot_market("BNB/USDT"), swap_market("ETH/USDT:USDT")],
        prices={"BTC/USDT": "60000"},
        orders=[Order("1", "BTC/USDT", "spot", Side.SELL, Decimal("0.1"), Decimal(70000))],
        positions=[Position("ETH/USDT:USDT", "swap", PositionSide.SHORT, Decimal(2))],
    )
    v.quirks = FAST
    return v


async def settle(v: FakeVenue, tmp_path: Path) -> tuple[str, list[dict[str, object]]]:
    with Journal(tmp_path) as journal:
        log = RunLog(journal, "kill")
        result = await settle_account(v, SETTINGS, log, clock=RunClock.starting(1e18))
        return result.status, journal.steps(log.run_id)


async def test_a_timed_out_order_that_landed_is_looked_up_not_resent(tmp_path: Path) -> None:
    v = venue()
    v.fail("sell", VenueUnavailable("RequestTimeout"), landed=True)
    status, steps = await settle(v, tmp_path)
    assert status == "flat"
    assert v.calls.count("sell") == 1  # the lookup found it: never sent twice
    assert "order_by_client_id" in v.calls
    assert v.balances["BNB"] == Decimal(2)  # kept
    assert [s["status"] for s in steps if s["action"] == "sell"] == ["sending", "ok"]


async def test_a_send_that_never_landed_is_sent_again_only_after_a_fresh_read(
    tmp_path: Path,
) -> None:
    v = venue()
    v.fail("close_positions", VenueUnavailable("502"))
    status, _ = await settle(v, tmp_path)
    assert status == "flat"
    assert v.calls.count("order_by_client_id") == 2  # at once, and after its landing window
    assert v.calls.count("close_positions") == 2  # then the next round's read planned it again
    assert v.calls.count("exposure") == 3  # read, read before the resend, read flat
    assert "close_position" not in v.calls  # never re-sent within its round
    assert len(v.placed) == 2  # one close, one sell
    assert all(cid.startswith("bgk") for cid in v.placed)
    assert not v.positions
    assert not v.orders


async def test_unreachable_until_the_deadline_is_reported_as_such(tmp_path: Path) -> None:
    v = venue()
    for _ in range(50):
        v.fail("exposure", VenueUnavailable("503"))
    with Journal(tmp_path) as journal:
        result = await settle_account(
            v, SETTINGS, RunLog(journal, "kill"), clock=RunClock.starting(0.2)
        )
    assert result.status == "unreachable"
    assert "sell" not in v.calls


def many_positions(n: int) -> FakeVenue:
    symbols = [f"C{i}/USDT:USDT" for i in range(n)]
    v = FakeVenue(
        "main",
        balances={"USDT": "100"},
        markets=[swap_market(s) for s in symbols],
        positions=[Position(s, "swap", PositionSide.LONG, Decimal(1)) for s in symbols],
    )
    v.quirks = FAST
    return v


async def test_a_batch_that_landed_then_timed_out_is_looked_up_not_resent(
    tmp_path: Path,
) -> None:
    """The sim cannot land a batch and then lose its answer; FakeVenue can."""
    v = many_positions(7)
    v.fail("close_positions", VenueUnavailable("RequestTimeout"), landed=True)
    status, steps = await settle(v, tmp_path)
    assert status == "flat"
    assert [len(b) for b in v.batches] == [5, 2]  # quirks.batch_orders_max
    assert v.calls.count("order_by_client_id") == 5  # each of the lost batch looked up
    assert "close_position" not in v.calls  # and found: none sent again
    assert len(v.placed) == 7
    vias = [s["detail"]["via"] for s in steps if s["action"] == "close" and s["status"] == "ok"]
    assert sorted(vias) == ["batch"] * 2 + ["lookup"] * 5


async def test_a_close_refused_in_its_batch_is_sent_again_by_the_next_round(
    tmp_path: Path,
) -> None:
    v = many_positions(3)
    v.refuse_in_batch("C1/USDT:USDT")
    status, steps = await settle(v, tmp_path)
    assert status == "flat"
    assert v.calls.count("close_positions") == 2
    assert len(v.batches[1]) == 1  # only the refused one, after a fresh read
    assert "order_by_client_id" not in v.calls  # a refusal is an answer: nothing to look up
    retried = [s for s in steps if s["action"] == "close" and s["status"] == "retrying"]
    assert [s["detail"]["symbol"] for s in retried] == ["C1/USDT:USDT"]


async def test_a_batch_refused_for_permissions_is_not_retried(tmp_path: Path) -> None:
    v = many_positions(2)
    for _ in range(3):
        v.fail("close_positions", VenueAuthError("-2015 Invalid API-key, IP, or permissions"))
    with Journal(tmp_path) as journal:
        result = await settle_account(
            v, SETTINGS, RunLog(journal, "kill"), clock=RunClock.starting(1e18)
        )
    assert result.status == "residual"
    assert result.refused
    assert "close_position" not in v.calls
    assert len(v.positions) == 2
