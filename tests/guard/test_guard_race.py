"""The guard cannot be raced: orders in flight count against the limits.

Unmodified ccxt binanceusdm (async and sync) against the sim, BTC at 20,000, with
`max_position_notional = 1000` and orders of 0.04 BTC (800 USDT): one fits, two do not.
The sim answers with latency so concurrent orders really are in flight together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async
import pytest

import botguard
from botguard.guard import guard_of
from botguard.guard.errors import GuardRejected
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim, start_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, make_config, scenario

pytestmark = [pytest.mark.sim, pytest.mark.usefixtures("canary_env")]

AMOUNT = 0.04
"""800 USDT at 20,000: under the 1,000 limit alone, over it twice."""
LIMIT = {"max_position_notional": 1000, "trip_after_breaches": 100}
BUY = {"symbol": BTC, "type": "market", "side": "buy", "amount": AMOUNT}


def credentials() -> dict[str, str]:
    return {
        "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
    }


def order_posts(sim: SimHandle) -> int:
    return sum(
        1
        for r in sim.log()
        if r["method"] == "POST" and r["path"] in ("/fapi/v1/order", "/fapi/v1/batchOrders")
    )


def position(sim: SimHandle) -> float:
    positions = sim.state()["accounts"]["main"]["positions"]
    return sum(abs(float(p["positionAmt"])) for p in positions)


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[tuple[Any, SimHandle]]:
    """A guarded async binanceusdm on a sim answering every request after 50 ms."""
    async with start_sim(scenario(), latency_ms=50) as sim:
        config: Any = make_config(tmp_path, sim.url, **LIMIT)
        ex = ccxt_async.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        try:
            await ex.load_markets()
            botguard.guard(ex, config, on_trip=lambda trip: None)
            await ex.fetch_ticker(BTC)  # the price the notional check uses
            yield ex, sim
        finally:
            await ex.close()


async def test_concurrent_buys_admit_only_what_fits(guarded: tuple[Any, SimHandle]) -> None:
    ex, sim = guarded
    sim.clear_log()

    results = await asyncio.gather(
        *(ex.create_order(BTC, "market", "buy", AMOUNT) for _ in range(10)),
        return_exceptions=True,
    )

    admitted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, GuardRejected)]
    assert len(admitted) == 1
    assert len(refused) == 9
    assert all("position_notional" in str(r) for r in refused)
    assert order_posts(sim) == 1
    assert position(sim) == pytest.approx(AMOUNT)
    assert guard_of(ex).book.reserved == {}


async def test_a_batch_that_does_not_fit_is_refused_whole(guarded: tuple[Any, SimHandle]) -> None:
    """Atomic, as the risk engines do: a batch is one decision of the bot (a grid, a
    bracket); sending the part that fits would leave a shape the bot never asked for."""
    ex, sim = guarded
    sim.clear_log()

    with pytest.raises(GuardRejected, match="position_notional"):
        await ex.create_orders([dict(BUY) for _ in range(5)])

    assert order_posts(sim) == 0
    assert position(sim) == 0
    assert guard_of(ex).book.reserved == {}
    assert (await ex.create_orders([dict(BUY)]))[0]["id"]  # nothing was left reserved
    assert position(sim) == pytest.approx(AMOUNT)


async def test_an_order_in_flight_counts_against_a_batch(guarded: tuple[Any, SimHandle]) -> None:
    ex, sim = guarded
    sim.clear_log()

    single, batch = await asyncio.gather(
        ex.create_order(BTC, "market", "buy", AMOUNT),
        ex.create_orders([dict(BUY)]),
        return_exceptions=True,
    )

    assert [isinstance(r, GuardRejected) for r in (single, batch)] == [False, True]
    assert position(sim) == pytest.approx(AMOUNT)


async def test_a_refused_order_releases_its_reservation(guarded: tuple[Any, SimHandle]) -> None:
    """The exchange refuses the first order (reduce-only with no position: -2022), so
    the next one still fits."""
    ex, sim = guarded

    with pytest.raises(ccxt.ExchangeError) as refused:
        await ex.create_order(BTC, "market", "buy", AMOUNT, None, {"reduceOnly": True})
    assert not isinstance(refused.value, GuardRejected)
    assert guard_of(ex).book.reserved == {}

    await ex.create_order(BTC, "market", "buy", AMOUNT)
    assert position(sim) == pytest.approx(AMOUNT)


async def test_an_order_call_given_up_on_stays_counted_until_the_books_are_read(
    guarded: tuple[Any, SimHandle],
) -> None:
    """The bot gives up on an order call (a timeout around it) before the answer: the
    guard cannot know whether the order landed, so it still counts until the bot reads
    the exchange's open orders and positions again.

    (The call is cancelled before its request leaves: the sim reads a request's body
    only after its latency, so a request cut off later would not land there either.)
    """
    ex, sim = guarded
    task = asyncio.ensure_future(ex.create_order(BTC, "limit", "buy", AMOUNT, 19_000))
    await asyncio.sleep(0)  # admitted and reserved
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    book = guard_of(ex).book
    assert len(book.reserved) == 1
    with pytest.raises(GuardRejected, match="position_notional"):
        await ex.create_order(BTC, "limit", "buy", AMOUNT, 19_000)

    await ex.fetch_open_orders(BTC)
    assert len(book.reserved) == 1  # a fill would show only in the position
    await ex.fetch_positions([BTC])
    assert book.reserved == {}
    await ex.create_order(BTC, "limit", "buy", AMOUNT, 19_000)  # nothing had landed
    assert len(sim.state()["accounts"]["main"]["open_orders"]) == 1


@pytest.fixture
def sync_guarded(tmp_path: Path) -> Iterator[tuple[Any, SimHandle]]:
    with run_sim(scenario(), latency_ms=50) as sim:
        config: Any = make_config(tmp_path, sim.url, **LIMIT)
        ex = ccxt.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        ex.load_markets()
        botguard.guard(ex, config, on_trip=lambda trip: None)
        ex.fetch_ticker(BTC)
        yield ex, sim


def test_sync_batch_is_summed_and_failures_release(sync_guarded: tuple[Any, SimHandle]) -> None:
    """ccxt's sync classes go through the same admission as the async ones."""
    ex, sim = sync_guarded

    with pytest.raises(GuardRejected, match="position_notional"):
        ex.create_orders([dict(BUY), dict(BUY)])
    with pytest.raises(ccxt.ExchangeError):
        ex.create_order(BTC, "market", "buy", AMOUNT, None, {"reduceOnly": True})
    assert guard_of(ex).book.reserved == {}
    ex.create_order(BTC, "market", "buy", AMOUNT)
    with pytest.raises(GuardRejected, match="position_notional"):
        ex.create_order(BTC, "market", "buy", AMOUNT)
    assert position(sim) == pytest.approx(AMOUNT)


def test_a_sync_batch_that_fits_is_sent_once_and_settles(
    sync_guarded: tuple[Any, SimHandle],
) -> None:
    """create_orders keeps the batch path (create_order has its own): sent in one request,
    each order stamped, the reservations settled into the position they became."""
    ex, sim = sync_guarded
    posts = order_posts(sim)
    half = {**BUY, "amount": AMOUNT / 2}

    placed = ex.create_orders([dict(half), dict(half)])

    assert [o["clientOrderId"][:2] for o in placed] == ["bg", "bg"]
    assert order_posts(sim) == posts + 1
    assert guard_of(ex).book.reserved == {}
    assert position(sim) == pytest.approx(AMOUNT)
    with pytest.raises(GuardRejected, match="position_notional"):
        ex.create_orders([dict(BUY)])  # 800 held and 800 more: over the 1,000
