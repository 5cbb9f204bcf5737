"""Execute and verify against FakeVenue (in memory): retries never double an order.

FakeVenue stands in for the exchange only where a fault must land an order and then
fail the response deterministically; the same paths run against the sim elsewhere.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from botguard.journal import Journal
from botguard.kill.runlog import RunLog
from botguard.kill.verify import Settings, settle_account
from botguard.testing.fake_venue import FakeVenue, spot_market, swap_market
from botguard.venues.errors import VenueUnavailable
from botguard.venues.types import Order, Position, PositionSide, Side

SETTINGS = Settings(keep=frozenset({"BNB"}), quote="USDT", prefix="bg")


def venue() -> FakeVenue:
    return FakeVenue(
        "main",
        balances={"USDT": "100", "BTC": "0.5", "BNB": "2"},
        markets=[spot_market("BTC/USDT"), spot_market("BNB/USDT"), swap_market("ETH/USDT:USDT")],
        prices={"BTC/USDT": "60000"},
        orders=[Order("1", "BTC/USDT", "spot", Side.SELL, Decimal("0.1"), Decimal(70000))],
        positions=[Position("ETH/USDT:USDT", "swap", PositionSide.SHORT, Decimal(2))],
    )


async def settle(v: FakeVenue, tmp_path: Path) -> tuple[str, list[dict[str, object]]]:
    with Journal(tmp_path) as journal:
        log = RunLog(journal, "kill")
        result = await settle_account(v, SETTINGS, log, deadline=1e18)
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


async def test_a_send_that_never_landed_is_sent_again_with_the_same_client_id(
    tmp_path: Path,
) -> None:
    v = venue()
    v.fail("close_positions", VenueUnavailable("502"))
    status, _ = await settle(v, tmp_path)
    assert status == "flat"
    assert v.calls.count("close_positions") == 1  # the batch never landed
    assert v.calls.count("order_by_client_id") == 1  # so it was looked up first
    assert v.calls.count("close_position") == 1  # then sent alone, once
    assert len(v.placed) == 2  # one close, one sell
    assert all(cid.startswith("bgk") for cid in v.placed)
    assert not v.positions
    assert not v.orders


async def test_unreachable_until_the_deadline_is_reported_as_such(tmp_path: Path) -> None:
    v = venue()
    for _ in range(50):
        v.fail("exposure", VenueUnavailable("503"))
    with Journal(tmp_path) as journal:
        import time

        result = await settle_account(
            v, SETTINGS, RunLog(journal, "kill"), deadline=time.monotonic() + 0.2
        )
    assert result.status == "unreachable"
    assert "sell" not in v.calls
