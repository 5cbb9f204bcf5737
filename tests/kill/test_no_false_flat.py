"""A kill never reports flat unless the exchange's own books say so (issue 11, item 4).

(a) An asset with no market into the quote is residual (exit 1), not dust.
(b) The generic ccxt venue (every exchange but Binance) reads positions through ccxt's
    unified fetch_positions; what it cannot read makes the account `unverified` (exit 1).

No second exchange runs here, so (b) drives the generic `CcxtVenue` (not `BinanceVenue`)
over ccxt's own binance class against botguard sim: it stands for any exchange the
generic venue serves. Taking `fetchPositions` away from that instance stands for an
exchange whose ccxt class has none.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config
from botguard.journal import Journal
from botguard.kill import kill
from botguard.kill.report import plan_lines
from botguard.kill.runlog import RunClock, RunLog
from botguard.kill.verify import AccountStatus, Settings, settle_account
from botguard.testing.sim import start_sim
from botguard.venues.binance import preset_options
from botguard.venues.ccxt_venue import CcxtVenue
from botguard.venues.connect import open_exchange

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

WBTC = {"symbol": "WBTC/BTC", "price": "0.999", "step_size": "0.0001", "min_notional": "0.0001"}
LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
SHORT = {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1.5", "entry_price": "3000"}


async def test_an_asset_with_no_market_into_the_quote_is_residual_not_dust(
    tmp_path: Path,
) -> None:
    """WBTC trades only against BTC, and BTC is kept: no route sells it into USDT."""
    acct = sim_account(spot={"USDT": "1000", "WBTC": "0.5", "ETH": "0.5", "BTC": "0.1"})
    async with start_sim({"market": [WBTC], "account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["spot"], keep=["BTC"])])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
    (result,) = report.accounts
    assert report.exit_code == 1, report.summary()
    assert result.status is AccountStatus.RESIDUAL
    assert result.remaining is not None
    assert [u.asset for u in result.remaining.unsellable] == ["WBTC"]
    assert result.remaining.dust == ()
    assert state["spot"]["WBTC"]["free"] == "0.5"  # still there: it was never "dust"
    assert state["spot"]["ETH"]["free"] in ("0", "0.0")  # what could be sold was


async def test_an_asset_is_sold_through_another_listed_market_and_the_report_says_so(
    tmp_path: Path,
) -> None:
    acct = sim_account(spot={"USDT": "1000", "WBTC": "0.5"})
    async with start_sim({"market": [WBTC], "account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["spot"])])
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    assert state["spot"]["WBTC"]["free"] in ("0", "0.0")
    assert Decimal(state["spot"]["BTC"]["free"]) < Decimal("0.00001")  # sold on; dust left
    (result,) = report.accounts
    sold = {(s.asset, s.symbol, s.via) for s in result.done.sold}
    assert ("WBTC", "WBTC/BTC", "BTC") in sold
    assert ("BTC", "BTC/USDT", None) in sold
    assert result.plan is not None
    assert "sell 0.5 WBTC (WBTC/BTC, then BTC on into the quote)" in plan_lines(result.plan)


def generic_venue(config: Config, **has: bool) -> CcxtVenue:
    """The generic venue over ccxt's binance class, preset as open_venue presets Binance."""
    account = config.account[0]
    exchange = open_exchange(
        account, options=preset_options(tuple(account.markets)), enableRateLimit=False
    )
    exchange.has = {**exchange.has, **has}
    return CcxtVenue(
        account.name, exchange, market_types=tuple(account.markets), cache_dir=tmp_cache(config)
    )


def tmp_cache(config: Config) -> Path:
    return config.state.dir / "markets"


async def settle(config: Config, venue: CcxtVenue) -> Any:
    with Journal(config.state.dir) as journal:
        log = RunLog(journal, "kill")
        settings = Settings(keep=frozenset(), quote="USDT", prefix="bg")

        try:
            return await settle_account(venue, settings, log, clock=RunClock.starting(20))
        finally:
            await venue.close()


async def test_the_generic_venue_reads_positions_through_fetch_positions(tmp_path: Path) -> None:
    acct = sim_account(positions=[LONG, SHORT])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["swap"])])
        venue = generic_venue(config)
        await venue.load_markets()
        exposure = await venue.exposure()
        await venue.close()
    sides = {(p.symbol, p.side.value, p.market) for p in exposure.positions}
    assert sides == {("BTC/USDT:USDT", "long", "swap"), ("ETH/USDT:USDT", "short", "swap")}
    # the generic venue does not know how this exchange lists its conditional book
    assert any("conditional" in u for u in exposure.unchecked)


async def test_the_generic_venue_closes_positions_but_reports_unverified(tmp_path: Path) -> None:
    acct = sim_account(positions=[LONG, SHORT])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["swap"])])
        result = await settle(config, generic_venue(config))
        state = sim.state()["accounts"]["main"]
    assert state["positions"] == []  # closed through the generic venue
    assert result.status is AccountStatus.UNVERIFIED  # the conditional book was not read
    assert any("not verified: conditional" in n for n in result.notes)
    assert "not verified end to end" in result.venue


async def test_an_exchange_without_fetch_positions_is_never_flat(tmp_path: Path) -> None:
    acct = sim_account(positions=[LONG])
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["swap"])])
        result = await settle(config, generic_venue(config, fetchPositions=False))
        state = sim.state()["accounts"]["main"]
    assert len(state["positions"]) == 1  # nothing could see it, so nothing closed it
    assert result.status is AccountStatus.UNVERIFIED
    assert any("positions: ccxt binance has no fetchPositions" in n for n in result.notes)


async def test_binance_reports_itself_verified_end_to_end(tmp_path: Path) -> None:
    async with start_sim({"account": [sim_account()]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        report = await kill(config, halt=False)
    (result,) = report.accounts
    assert result.status is AccountStatus.FLAT
    assert result.venue == "binance: verified end to end against botguard sim"
    assert report.summary()["accounts"]["main"]["status"] == "flat"
