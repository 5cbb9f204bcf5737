"""The guard inside a bot: unmodified ccxt binanceusdm (sync and async) against the sim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async
import pytest

import botguard
from botguard.guard import GuardState, guard_of
from botguard.guard.errors import GuardRejected, GuardTripped
from botguard.guard.rules import Rule, Trip
from botguard.halt import set_halt
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim, start_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, make_config, scenario

pytestmark = [pytest.mark.sim, pytest.mark.usefixtures("canary_env")]


def credentials() -> dict[str, str]:
    return {
        "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
    }


def order_posts(log: list[dict[str, Any]]) -> int:
    return sum(1 for r in log if r["method"] == "POST" and r["path"] == "/fapi/v1/order")


def test_sync_exchange_honours_the_halt_flag(tmp_path: Path) -> None:
    trips: list[Trip] = []
    with run_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, max_order_notional=5000)
        ex = ccxt.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        ex.load_markets()
        guarded = botguard.guard(ex, config, on_trip=trips.append)
        assert guarded is ex

        resting = ex.create_limit_buy_order(BTC, 0.01, 19_900)
        ex.create_order(BTC, "market", "buy", 0.05)
        ex.fetch_positions()
        set_halt(config.state.dir, "operator pressed kill")
        posts = order_posts(sim.log())

        with pytest.raises(GuardRejected, match="halted"):
            ex.create_limit_buy_order(BTC, 0.01, 19_900)  # ccxt helper: still guarded
        with pytest.raises(GuardRejected, match="halted"):
            ex.create_order(BTC, "market", "sell", 0.05)  # not flagged reduce-only
        ex.cancel_order(resting["id"], BTC)  # cancels always pass
        exit_order = ex.create_order(BTC, "market", "sell", 0.05, None, {"reduceOnly": True})

        account = sim.state()["accounts"]["main"]
        assert account["open_orders"] == []
        assert account["positions"] == []
        assert order_posts(sim.log()) == posts + 1
        assert exit_order["clientOrderId"].startswith("bg")
        assert guard_of(ex).state is GuardState.HALTED
        assert trips == []


async def test_async_exchange_rejects_breaches_and_stamps_client_ids(tmp_path: Path) -> None:
    trips: list[Trip] = []
    async with start_sim(scenario()) as sim:
        config: Any = make_config(
            tmp_path,
            sim.url,
            symbols=[BTC],
            max_order_notional=5000,
            price_band_pct=5,
            trip_after_breaches=3,
        )
        ex = ccxt_async.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        try:
            await ex.load_markets()
            botguard.guard(ex, config, on_trip=trips.append)
            ok = await ex.create_order(BTC, "limit", "buy", 0.1, 19_500)
            with pytest.raises(GuardRejected, match="order_notional"):
                await ex.create_order(BTC, "limit", "buy", 1, 19_500)
            with pytest.raises(GuardRejected, match="price_band"):
                await ex.create_order(BTC, "limit", "sell", 0.1, 2_000)  # fat finger
            with pytest.raises(GuardTripped, match="symbol"):
                await ex.create_order("ETH/USDT:USDT", "market", "buy", 0.1)
        finally:
            await ex.close()

        assert ok["clientOrderId"].startswith("bg")
        open_orders = sim.state()["accounts"]["main"]["open_orders"]
        assert [o["clientOrderId"] for o in open_orders] == [ok["clientOrderId"]]
        assert order_posts(sim.log()) == 1
        assert [t.rule for t in trips] == [Rule.SYMBOL]
        assert guard_of(ex).state is GuardState.HALTED


async def test_realised_loss_from_real_fills_switches_to_reducing(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, max_daily_loss=50, trip_after_breaches=5)
        ex = ccxt_async.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        try:
            await ex.load_markets()
            botguard.guard(ex, config, on_trip=lambda trip: None)
            engine = guard_of(ex)
            await ex.create_order(BTC, "market", "buy", 0.2)
            assert engine.book.positions[BTC] == pytest.approx(0.2)
            sim.set_prices({BTC: 19_000})
            await ex.create_order(BTC, "market", "sell", 0.1)  # realises about -100

            with pytest.raises(GuardRejected, match="daily_loss"):
                await ex.create_order(BTC, "market", "buy", 0.01)
            assert engine.state is GuardState.REDUCING
            await ex.create_order(BTC, "market", "sell", 0.1)  # closing still passes
            with pytest.raises(GuardRejected, match="reducing"):
                await ex.create_order(BTC, "market", "sell", 0.1)  # would open a short
        finally:
            await ex.close()
        assert sim.state()["accounts"]["main"]["positions"] == []


async def test_batch_orders_pass_or_fail_together(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, max_order_notional=5000)
        ex = ccxt_async.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        try:
            await ex.load_markets()
            botguard.guard(ex, config, on_trip=lambda trip: None)
            small = {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.1, "price": 19_000}
            big = {**small, "amount": 1}
            with pytest.raises(GuardRejected, match="order_notional"):
                await ex.create_orders([small, big])
            assert sim.state()["accounts"]["main"]["open_orders"] == []
            placed = await ex.create_orders([small, {**small, "price": 18_900}])
            await ex.fetch_open_orders(BTC)
            assert len(guard_of(ex).book.open_orders) == 2
        finally:
            await ex.close()
        open_orders = sim.state()["accounts"]["main"]["open_orders"]
        assert sorted(o["clientOrderId"] for o in open_orders) == sorted(
            o["clientOrderId"] for o in placed
        )
        assert all(o["clientOrderId"].startswith("bg") for o in open_orders)


def test_breaches_trip_the_kill_switch_and_the_account_ends_flat(tmp_path: Path) -> None:
    from botguard.guard.trip import KillOnTrip
    from botguard.journal import Journal

    position = {"symbol": BTC, "side": "long", "amount": 1, "entry_price": 20_000}
    with run_sim(scenario(positions=[position])) as sim:
        config: Any = make_config(tmp_path, sim.url, max_order_notional=5000, trip_after_breaches=2)
        ex = ccxt.binanceusdm(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        ex.load_markets()
        botguard.guard(ex, config)  # the default trip action: the real kill switch
        ex.create_order(BTC, "limit", "buy", 0.1, 19_000)
        with pytest.raises(GuardRejected):
            ex.create_order(BTC, "limit", "buy", 1, 19_000)
        with pytest.raises(GuardTripped):
            ex.create_order(BTC, "limit", "buy", 1, 19_000)

        action = guard_of(ex).on_trip
        assert isinstance(action, KillOnTrip)
        assert action.future is not None
        report = action.future.result(timeout=60)

        assert report.exit_code == 0
        account = sim.state()["accounts"]["main"]
        assert account["positions"] == []
        assert account["open_orders"] == []
        with pytest.raises(GuardRejected, match="halted"):
            ex.create_order(BTC, "limit", "buy", 0.1, 19_000)
    with Journal(config.state.dir) as journal:
        (trip,) = journal.events("trip")
    assert trip["detail"]["source"] == "guard"
    assert trip["detail"]["rule"] == "order_notional"


def test_spot_book_follows_balances_open_orders_and_cancels(tmp_path: Path) -> None:
    spot = {"USDT": 100_000, "BTC": 2}
    with run_sim(scenario(spot=spot)) as sim:
        config: Any = make_config(tmp_path, sim.url, symbols=["BTC/USDT"], max_open_orders=2)
        ex = ccxt.binance(credentials())
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        ex.load_markets()
        botguard.guard(ex, config, on_trip=lambda trip: None)
        engine = guard_of(ex)
        ex.fetch_balance()
        assert engine.book.positions["BTC/USDT"] == pytest.approx(2)

        ex.create_limit_buy_order("BTC/USDT", 0.01, 19_000)
        ex.create_limit_buy_order("BTC/USDT", 0.01, 18_900)
        with pytest.raises(GuardRejected, match="open_orders"):
            ex.create_limit_buy_order("BTC/USDT", 0.01, 18_800)
        ex.cancel_all_orders("BTC/USDT")
        assert engine.book.open_orders == {}
        ex.create_limit_buy_order("BTC/USDT", 0.01, 18_800)

        engine.set_state(GuardState.REDUCING, "test: stop adding")
        with pytest.raises(GuardRejected, match="reducing"):
            ex.create_market_buy_order("BTC/USDT", 0.01)
        ex.create_market_sell_order("BTC/USDT", 1)  # selling held BTC shrinks exposure
        ex.fetch_balance()
        assert engine.book.positions["BTC/USDT"] == pytest.approx(1)
