"""The watchdog against the sim: every trip condition ends with the account verified flat.

The real kill switch runs (its own ccxt instances, against the same sim); the
test then reads the sim's own state to confirm nothing is left open.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from botguard.guard.rules import Rule
from botguard.guard.watch import PEAKS_FILE, Watch
from botguard.halt import is_halted
from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, start_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, make_config, scenario

pytestmark = [pytest.mark.sim, pytest.mark.usefixtures("canary_env")]

LONG = {"positions": [{"symbol": BTC, "side": "long", "amount": 2, "entry_price": 20_000}]}


def assert_flat(sim: SimHandle) -> None:
    account = sim.state()["accounts"]["main"]
    assert account["open_orders"] == []
    assert account["algo_orders"] == []
    assert account["positions"] == []


def assert_journaled(config: Any, rule: Rule) -> dict[str, Any]:
    with Journal(config.state.dir) as journal:
        trips = journal.events("trip")
    assert [t["detail"]["rule"] for t in trips] == [str(rule)]
    assert trips[0]["detail"]["source"] == "watch"
    return trips[0]


async def step(config: Any) -> Any:
    watch = Watch(config)
    try:
        return await watch.step()
    finally:
        await watch.aclose()


async def bot_exchange(sim: SimHandle) -> Any:
    ex = ccxt_async.binanceusdm(
        {
            "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        }
    )
    ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
    await ex.load_markets()
    return ex


def tripped(result: Any, rule: Rule) -> None:
    assert [t.rule for _, t in result.trips][:1] == [rule]
    assert result.exit_code == 1
    assert [k.exit_code for k in result.kills] == [0]


async def test_drawdown_is_measured_from_the_peak(tmp_path: Path) -> None:
    async with start_sim(scenario(**LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url, max_drawdown_pct=5)
        assert (await step(config)).trips == []
        sim.set_prices({BTC: 25_000})  # +10,000: the peak
        assert (await step(config)).trips == []
        assert (config.state.dir / PEAKS_FILE).exists()
        sim.set_prices({BTC: 21_000})  # +2,000 from the start, -7.3 % from the peak

        result = await step(config)

        tripped(result, Rule.DRAWDOWN)
        assert_flat(sim)
        trip = assert_journaled(config, Rule.DRAWDOWN)
        assert trip["detail"]["peak"] > trip["detail"]["equity"]
        assert is_halted(config.state.dir)


async def test_position_outside_the_policy(tmp_path: Path) -> None:
    async with start_sim(scenario(**LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url, max_position_notional=30_000)
        result = await step(config)
        tripped(result, Rule.POSITION_NOTIONAL)
        assert_flat(sim)
        assert_journaled(config, Rule.POSITION_NOTIONAL)


async def test_foreign_open_order_is_a_suspected_compromise(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url)
        ex = await bot_exchange(sim)
        try:
            await ex.create_order(BTC, "limit", "buy", 0.1, 19_000, {"clientOrderId": "bgok1"})
            assert (await step(config)).trips == []
            await ex.create_order(BTC, "limit", "buy", 0.1, 18_000, {"clientOrderId": "web_x1"})
        finally:
            await ex.close()

        result = await step(config)

        tripped(result, Rule.FOREIGN_ORDER)
        assert_flat(sim)
        assert assert_journaled(config, Rule.FOREIGN_ORDER)["detail"]["client_id"] == "web_x1"


async def test_foreign_fill_is_a_suspected_compromise(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, symbols=[BTC])
        ex = await bot_exchange(sim)
        try:
            await ex.create_order(BTC, "market", "buy", 0.5, None, {"clientOrderId": "thief01"})
        finally:
            await ex.close()

        result = await step(config)

        tripped(result, Rule.FOREIGN_FILL)
        assert_flat(sim)
        assert_journaled(config, Rule.FOREIGN_FILL)


async def test_order_rate_over_the_limit(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, max_orders_per_minute=3)
        ex = await bot_exchange(sim)
        try:
            for i in range(4):
                await ex.create_order(BTC, "market", "buy", 0.01, None, {"clientOrderId": f"bg{i}"})
        finally:
            await ex.close()

        result = await step(config)

        tripped(result, Rule.RATE_PER_MINUTE)
        assert_flat(sim)
        assert assert_journaled(config, Rule.RATE_PER_MINUTE)["detail"]["orders"] == 4


async def test_stale_heartbeat(tmp_path: Path) -> None:
    async with start_sim(scenario(**LONG)) as sim:
        heartbeat = tmp_path / "heartbeat"
        heartbeat.touch()
        config: Any = make_config(tmp_path, sim.url, heartbeat_max_age_s=60)
        config = config.model_copy(
            update={"bot": config.bot.model_copy(update={"heartbeat": heartbeat})}
        )
        assert (await step(config)).trips == []
        os.utime(heartbeat, (time.time() - 61, time.time() - 61))

        result = await step(config)

        tripped(result, Rule.HEARTBEAT)
        assert_flat(sim)
        assert assert_journaled(config, Rule.HEARTBEAT)["account"] == ""


async def test_repeated_authentication_errors(tmp_path: Path) -> None:
    """The watchdog's own session is given a wrong secret (as if the key had been
    rotated under it); the kill switch resolves the configured secret afresh."""
    async with start_sim(scenario(**LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url, max_auth_errors=2)
        watch = Watch(config)
        watch.accounts["main"].source.exchange.secret = "not-the-secret"
        try:
            first = await watch.step()
            second = await watch.step()
        finally:
            await watch.aclose()

        assert first.trips == []
        assert first.exit_code == 3
        tripped(second, Rule.AUTH_ERRORS)
        assert_flat(sim)
        assert_journaled(config, Rule.AUTH_ERRORS)


async def test_dead_mans_switch_is_armed_each_poll(tmp_path: Path) -> None:
    async with start_sim(scenario()) as sim:
        config: Any = make_config(tmp_path, sim.url, symbols=[BTC], dead_man_s=30)
        assert (await step(config)).trips == []
        assert sim.state()["accounts"]["main"]["countdowns"] == ["BTCUSDT"]
        calls = [r for r in sim.log() if r["path"] == "/fapi/v1/countdownCancelAll"]
        assert len(calls) == 1


async def test_trip_and_kill_result_are_alerted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    async with start_sim(scenario(**LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url, max_position_notional=30_000)
        config = config.model_copy(
            update={"alerts": config.alerts.model_copy(update={"urls": ["env:BG_ALERT_URL"]})}
        )
        tripped(await step(config), Rule.POSITION_NOTIONAL)

    assert [r["title"] for r in received] == [
        "botguard: watch tripped",
        "botguard kill (gridbot): verified flat",
    ]
    assert "max_position_notional 30,000" in received[0]["message"]
    assert CANARIES["BOTGUARD_CANARY_SECRET"] not in str(received)


async def test_equity_values_spot_holdings_and_futures_margin(tmp_path: Path) -> None:
    spot = {"USDT": 10_000, "BTC": 2}
    async with start_sim(scenario(spot=spot, **LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url)
        account = config.account[0].model_copy(
            update={"exchange": "binance", "markets": ["spot", "swap"]}
        )
        config = config.model_copy(update={"account": [account]})
        sim.set_prices({BTC: 21_000, "BTC/USDT": 21_000})
        watch = Watch(config)
        try:
            snapshot = await watch.accounts["main"].source.snapshot(watch._now_ms())
        finally:
            await watch.aclose()
    # spot 10,000 + 2 x ~21,000; futures 100,000 + 2 x (21,000 - 20,000) unrealised
    assert float(snapshot.equity) == pytest.approx(10_000 + 42_000 + 102_000, rel=0.002)
    assert snapshot.positions == {BTC: pytest.approx(42_000, rel=0.002)}
    assert snapshot.unvalued == ()


async def test_a_failing_kill_switch_still_leaves_the_halt_flag_and_the_evidence(
    tmp_path: Path,
) -> None:
    """The kill is replaced by one that raises (as an unreachable exchange would)."""

    async def broken_kill(config: Any, trip: Any, accounts: Any) -> Any:
        raise RuntimeError("exchange unreachable")

    async with start_sim(scenario(**LONG)) as sim:
        config: Any = make_config(tmp_path, sim.url, max_position_notional=30_000)
        watch = Watch(config, kill=broken_kill)
        try:
            result = await watch.step()
        finally:
            await watch.aclose()

    assert result.kill_failed
    assert result.exit_code == 3
    assert is_halted(config.state.dir)
    trip = assert_journaled(config, Rule.POSITION_NOTIONAL)
    assert trip["detail"]["notional"] == pytest.approx(40_000, rel=0.01)


async def test_reads_go_through_the_venue_and_are_retried(tmp_path: Path) -> None:
    """A 503 on one read is retried by the venue (as for the kill): the poll still reads
    the account, where a raw ccxt call reported it unreachable."""
    async with start_sim(scenario(), faults="GET /fapi/v1/openOrders:n=1:503") as sim:
        config: Any = make_config(tmp_path, sim.url)
        result = await step(config)
        reads = [r["status"] for r in sim.log() if r["path"] == "/fapi/v1/openOrders"]
    assert result.unreachable == []
    assert result.exit_code == 0
    assert reads == [503, 200]
