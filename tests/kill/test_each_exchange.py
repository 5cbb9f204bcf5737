"""The kill behaviours every exchange must share, once, run on each dialect of the sim.

These were three copies (test_kill_sim.py for Binance, test_okx_kill.py, test_bybit_kill.py)
that differed only in the account builders, what counts as a write in the sim's log and
how flatness is read back. Each `Dialect` names those; the assertions are the union of the
copies' (the Binance copy also checked the halt flag and the journal, now every exchange
does). Exchange-specific behaviour stays in the per-exchange files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.halt import is_halted
from botguard.journal import Journal
from botguard.kill import kill
from botguard.testing.sim import SimHandle, start_sim
from botguard.venues import open_venue
from botguard.venues.bybit import BybitVenue
from botguard.venues.ccxt_venue import CcxtVenue
from botguard.venues.okx import OkxVenue

from . import test_bybit_kill as bybit
from . import test_kill_sim as binance
from . import test_okx_kill as okx
from .conftest import bg_account, make_config

pytestmark = pytest.mark.sim


@dataclass(frozen=True)
class Dialect:
    """What differs between exchanges in these tests, and nothing else."""

    name: str
    account: Callable[..., dict[str, Any]]
    """The sim account: spot balances, orders in every book, a long and a short."""
    bg: Callable[..., dict[str, Any]]
    """The botguard [[account]] for it, given the sim's url."""
    writes: Callable[[list[dict[str, Any]]], list[str]]
    """The requests in the sim's log that could change the account."""
    flat: Callable[[SimHandle], Awaitable[None]]
    """Assert the account is flat, read back from the exchange's own books."""
    venue: type[CcxtVenue] | None = None
    url_key: str = ""
    """The ccxt urls["api"] key the sim's url must land in (registry test)."""


async def _binance_flat(sim: SimHandle) -> None:
    binance.assert_flat(sim.state()["accounts"]["main"])


async def _okx_flat(sim: SimHandle) -> None:
    okx.assert_flat(await okx.ccxt_view(sim.url))


async def _bybit_flat(sim: SimHandle) -> None:
    bybit.assert_flat(await bybit.ccxt_view(sim.url))


DIALECTS = [
    Dialect("binance", binance.full_account, bg_account, binance.order_calls, _binance_flat),
    Dialect("okx", okx.full_okx, okx.okx_bg, okx.writes, _okx_flat, OkxVenue, "rest"),
    Dialect("bybit", bybit.full_bybit, bybit.bybit_bg, bybit.writes, _bybit_flat, BybitVenue,
            "private"),
]  # fmt: skip
EACH = pytest.mark.parametrize("d", DIALECTS, ids=[d.name for d in DIALECTS])


@EACH
async def test_dry_run_touches_nothing(tmp_path: Path, d: Dialect) -> None:
    async with start_sim({"account": [d.account()]}) as sim:
        before = sim.state()["accounts"]["main"]
        config = make_config(tmp_path, [d.bg(sim.url)])
        report = await kill(config, dry_run=True)
        after = sim.state()["accounts"]["main"]
        log = sim.log()
    assert d.writes(log) == []
    assert before == after
    assert not is_halted(config.state.dir)
    (result,) = report.accounts
    assert result.status == "planned"
    assert result.plan is not None
    assert len(result.plan.closes) == 2
    assert report.exit_code == 1  # there is exposure to remove


@EACH
async def test_key_without_derivatives_right_flattens_spot_and_says_so(
    tmp_path: Path, d: Dialect
) -> None:
    acct = d.account(permissions={"spot": True, "futures": False})
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [d.bg(sim.url)])
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 1
    (result,) = report.accounts
    assert result.status == "residual"
    assert any(e.startswith("close ") for e in result.done.errors)  # refused, not retried
    assert Decimal(state["spot"]["BTC"]["free"]) == 0
    assert len(state["positions"]) == 2  # reported as residual, not silently ignored


@EACH
async def test_run_killed_half_way_is_resumed(tmp_path: Path, d: Dialect) -> None:
    async with start_sim({"account": [d.account()]}, latency_ms=100) as sim:
        config = make_config(tmp_path, [d.bg(sim.url)])
        task = asyncio.create_task(kill(config))
        while not d.writes(sim.log()):  # noqa: ASYNC110 - polls the sim
            await asyncio.sleep(0.02)
        task.cancel()  # as if the process died after its first cancels went out
        with pytest.raises(asyncio.CancelledError):
            await task
        report = await kill(config)
        await d.flat(sim)
    assert report.resumed
    assert report.exit_code == 0, report.summary()
    with Journal(config.state.dir) as journal:
        runs = journal.runs("kill")
        steps = journal.steps(report.run_id)
    assert [r.id for r in runs] == [report.run_id]  # one run, taken over
    assert any(s["action"] == "resume" for s in steps)


@pytest.mark.parametrize("d", [d for d in DIALECTS if d.venue], ids=lambda d: d.name)
def test_registry_opens_the_exchanges_venue(tmp_path: Path, d: Dialect) -> None:
    config = make_config(tmp_path, [d.bg("http://127.0.0.1:9")])
    venue = open_venue(config.account[0])
    try:
        assert d.venue is not None
        assert isinstance(venue, d.venue)
        assert venue.verified_end_to_end is True
        assert venue.exchange.urls["api"][d.url_key] == "http://127.0.0.1:9"
    finally:
        asyncio.run(venue.close())
