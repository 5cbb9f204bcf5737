"""Injected faults reach ccxt as the exception classes a real outage would raise."""

from __future__ import annotations

import contextlib
from typing import Any

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import (
    ExchangeNotAvailable,
    InvalidOrder,
    NetworkError,
    OnMaintenance,
    OperationFailed,
    RequestTimeout,
)
from hypothesis import given
from hypothesis import strategies as st

from botguard.errors import UsageError
from botguard.sim.faults import KINDS, Faults, parse_faults
from botguard.testing.sim import start_sim

from .conftest import LEAN, exchange, opened, scenario

pytestmark = pytest.mark.sim
BTC = "BTC/USDT:USDT"


@pytest.mark.parametrize(
    ("kind", "error", "status"),
    [
        ("500", OperationFailed, 500),
        ("502", ExchangeNotAvailable, 502),
        ("503", ExchangeNotAvailable, 503),
        ("504", RequestTimeout, 504),
        ("maintenance", OnMaintenance, 503),
        ("timeout", RequestTimeout, 0),
        ("reset", ExchangeNotAvailable, 0),
    ],
)
async def test_transport_faults(kind: str, error: type[Exception], status: int) -> None:
    # aiohttp silently retries an idempotent request once when a reused keep-alive
    # connection drops, so a reset must hit two calls in a row to reach ccxt.
    times = 2 if kind == "reset" else 1
    spec = ",".join(f"GET /fapi/v3/account:n={n}:{kind}" for n in range(1, times + 1))
    async with (
        start_sim(scenario(), faults=spec) as sim,
        opened(ccxt_async.binanceusdm, sim.url, options=LEAN, timeout=300) as ex,
    ):
        with pytest.raises(error) as caught:
            await ex.fetch_balance()
        assert type(caught.value) is error
        assert (await ex.fetch_balance())["USDT"]["total"] == 50_000  # only the 1st call
    faulted = [r for r in sim.log() if r["fault"]]
    assert [(r["fault"], r["status"]) for r in faulted] == [(kind, status)] * times


async def test_partial_fill_and_reject_on_orders() -> None:
    spec = "POST /fapi/v1/order:n=1:partial,POST /api/v3/order:n=1:reject"
    async with start_sim(scenario(), faults=spec) as sim:
        async with opened(ccxt_async.binanceusdm, sim.url, options=LEAN) as ex:
            partial = await ex.create_order(BTC, "market", "buy", 0.2)
            [position] = await ex.fetch_positions([BTC])
        async with opened(ccxt_async.binance, sim.url, options=LEAN) as ex:
            with pytest.raises(InvalidOrder):
                await ex.create_order("BTC/USDT", "market", "buy", 0.01)
            assert (await ex.create_order("BTC/USDT", "market", "buy", 0.01))["filled"] == 0.01
    assert partial["filled"] == 0.1
    assert partial["status"] == "expired"
    assert position["contracts"] == 0.1


async def _statuses(seed: int) -> list[int]:
    async with start_sim(scenario(), faults="GET /fapi/v1/time:p=0.5:503", seed=seed) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            for _ in range(24):
                with contextlib.suppress(NetworkError):
                    await ex.fetch_time()
        finally:
            await ex.close()
        return [r["status"] for r in sim.log()]


async def test_probabilistic_faults_are_deterministic_under_a_seed() -> None:
    first, again, other = await _statuses(1), await _statuses(1), await _statuses(2)
    assert first == again
    assert first != other
    assert 4 < first.count(503) < 20


async def test_faults_from_the_scenario_file_and_wildcards() -> None:
    async with start_sim(scenario(faults="* /fapi/*:503")) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            with pytest.raises(ExchangeNotAvailable):
                await ex.fetch_time()
        finally:
            await ex.close()
        spot_only = {**LEAN, "fetchMarkets": {"types": ["spot"]}}  # what a spot-only bot sets
        spot = exchange(ccxt_async.binance, sim.url, options=spot_only)
        try:
            assert (await spot.fetch_ticker("BTC/USDT"))["last"] == 65_000
        finally:
            await spot.close()


@pytest.mark.parametrize(
    "spec",
    ["GET", "GET /x", "GET /x:q=1:503", "GET /x:p=2:503", "GET /x:n=0:503", "GET /x:oops",
     "GET /x:p=0.1:503:extra"],
)  # fmt: skip
def test_bad_fault_specs_name_the_rule(spec: str) -> None:
    with pytest.raises(UsageError, match="--faults"):
        parse_faults(spec)


rules = st.tuples(
    st.sampled_from(["GET", "POST", "DELETE", "*"]),
    st.from_regex(r"/[a-z]{1,8}(/[a-zA-Z]{1,8}){0,2}\*?", fullmatch=True),
    st.one_of(st.none(), st.floats(0, 1).map(lambda p: f"p={p}"),
              st.integers(1, 99).map(lambda n: f"n={n}")),
    st.sampled_from(KINDS),
)  # fmt: skip


@given(st.lists(rules, min_size=1, max_size=4))
def test_fault_specs_round_trip(parts: list[tuple[Any, ...]]) -> None:
    spec = ",".join(f"{m} {p}:{sel}:{k}" if sel else f"{m} {p}:{k}" for m, p, sel, k in parts)
    parsed = parse_faults(spec)
    assert [(r.method, r.path, r.kind) for r in parsed] == [(m, p, k) for m, p, _, k in parts]


def test_nth_call_selector_hits_exactly_once() -> None:
    faults = Faults(parse_faults("DELETE /api/v3/openOrders:n=3:timeout"), seed=0)
    picks = [faults.pick("DELETE", "/api/v3/openOrders") for _ in range(6)]
    assert picks == [None, None, "timeout", None, None, None]
    assert faults.pick("GET", "/api/v3/openOrders") is None
