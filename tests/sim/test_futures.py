"""USDⓈ-M trading through unmodified ccxt.async_support.binanceusdm over HTTP."""

from __future__ import annotations

import asyncio

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import InsufficientFunds, InvalidOrder, OperationRejected

from botguard.testing.sim import start_sim

from .conftest import LEAN, account, opened, scenario

pytestmark = pytest.mark.sim

BTC = "BTC/USDT:USDT"
ETH = "ETH/USDT:USDT"


def positions_by_side(positions: list[dict[str, object]]) -> dict[object, object]:
    return {p["side"]: p["contracts"] for p in positions}


async def test_market_order_opens_position_with_entry_and_upnl() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        order = await ex.create_order(BTC, "market", "buy", 0.2)
        sim.set_prices({BTC: 66_010})
        [position] = await ex.fetch_positions([BTC])
        balance = await ex.fetch_balance()
    assert order["status"] == "closed"
    assert position["side"] == "long"
    assert position["contracts"] == 0.2
    assert position["entryPrice"] == order["average"]
    assert position["unrealizedPnl"] == pytest.approx(0.2 * (66_010 - order["average"]))
    fee = 0.2 * order["average"] * 0.0005
    assert balance["USDT"]["total"] == pytest.approx(50_000 - fee + position["unrealizedPnl"])


async def test_reduce_only_closes_and_is_rejected_without_a_position() -> None:
    positions = [{"symbol": BTC, "side": "short", "amount": "0.3", "entry_price": "66000"}]
    async with (
        start_sim(scenario(account(positions=positions))) as sim,
        opened(ccxt_async.binanceusdm, sim.url) as ex,
    ):
        closing = await ex.create_order(BTC, "market", "buy", 0.5, None, {"reduceOnly": True})
        assert await ex.fetch_positions([BTC]) == []
        with pytest.raises(InvalidOrder):  # -2022 ReduceOnly Order is rejected
            await ex.create_order(BTC, "market", "buy", 0.1, None, {"reduceOnly": True})
        [trade] = await ex.fetch_my_trades(BTC)
    assert closing["filled"] == 0.3  # clipped to the position
    realised = 0.3 * (66_000 - closing["average"])  # short from 66000, bought back at the ask
    assert float(trade["info"]["realizedPnl"]) == pytest.approx(realised)


async def test_hedge_mode_keeps_long_and_short_apart() -> None:
    hedge = account(position_mode="hedge")
    async with start_sim(scenario(hedge)) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        assert (await ex.fetch_position_mode(BTC))["hedged"] is True
        await ex.create_order(BTC, "market", "buy", 0.1, None, {"hedged": True})
        await ex.create_order(BTC, "market", "sell", 0.3, None, {"hedged": True})
        both = positions_by_side(await ex.fetch_positions([BTC]))
        close = {"hedged": True, "reduceOnly": True}
        await ex.create_order(BTC, "market", "buy", 0.3, None, close)  # closes the short
        after = positions_by_side(await ex.fetch_positions([BTC]))
        with pytest.raises(OperationRejected):  # -4061 one-way order in hedge mode
            await ex.create_order(BTC, "market", "buy", 0.1)
    assert both == {"long": 0.1, "short": 0.3}
    assert after == {"long": 0.1}


async def test_position_mode_switch_refused_with_open_positions() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        assert (await ex.fetch_position_mode(BTC))["hedged"] is False
        await ex.set_position_mode(True)
        assert (await ex.fetch_position_mode(BTC))["hedged"] is True
        await ex.create_order(BTC, "market", "buy", 0.1, None, {"hedged": True})
        with pytest.raises(OperationRejected):
            await ex.set_position_mode(False)


async def test_leverage_read_and_set_and_margin_check() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        before = await ex.fetch_leverages([BTC])
        await ex.set_leverage(2, BTC)
        after = await ex.fetch_leverage(BTC)
        with pytest.raises(InsufficientFunds):  # -2019: 2 BTC at 2x needs 65k margin
            await ex.create_order(BTC, "market", "buy", 2)
    assert before[BTC]["longLeverage"] == 20
    assert after["longLeverage"] == 2


async def test_limit_orders_rest_and_fill_when_the_price_crosses() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        order = await ex.create_order(ETH, "limit", "buy", 1, 3_000)
        assert [o["id"] for o in await ex.fetch_open_orders(ETH)] == [order["id"]]
        sim.set_prices({ETH: 2_990})
        filled = await ex.fetch_order(order["id"], ETH)
        [position] = await ex.fetch_positions([ETH])
    assert filled["status"] == "closed"
    assert position["entryPrice"] == 3_000


async def test_batch_orders_and_batch_cancel() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        created = await ex.create_orders(
            [
                {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.01, "price": 60_000},
                {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.01, "price": 61_000},
                {"symbol": BTC, "type": "limit", "side": "buy", "amount": 0.001, "price": 1_000},
            ]
        )
        ids = [o["id"] for o in created if o["id"]]
        canceled = await ex.cancel_orders(ids, BTC)
        left = await ex.fetch_open_orders(BTC)
    assert len(ids) == 2  # the third is refused in place (ccxt sorts it first: no timestamp)
    assert [o["info"].get("code") for o in created if o["id"] is None] == [-4164]
    assert [o["status"] for o in canceled] == ["canceled", "canceled"]
    assert left == []
    assert ("POST", "/fapi/v1/batchOrders") in {(r["method"], r["path"]) for r in sim.log()}


async def test_conditional_orders_live_in_the_algo_book() -> None:
    positions = [{"symbol": BTC, "side": "long", "amount": "0.1", "entry_price": "64000"}]
    async with (
        start_sim(scenario(account(positions=positions))) as sim,
        opened(ccxt_async.binanceusdm, sim.url) as ex,
    ):
        stop = await ex.create_order(
            BTC, "market", "sell", 0.1, None, {"triggerPrice": 60_000, "reduceOnly": True}
        )
        take = await ex.create_order(
            BTC, "market", "sell", None, None, {"takeProfitPrice": 70_000, "closePosition": True}
        )
        plain = await ex.fetch_open_orders(BTC)
        trigger = await ex.fetch_open_orders(BTC, params={"trigger": True})
        fetched = await ex.fetch_order(stop["id"], BTC, {"trigger": True})
        await ex.cancel_order(take["id"], BTC, {"trigger": True})
        sim.set_prices({BTC: 59_000})  # the stop fires and closes the long
        remaining = await ex.fetch_open_orders(BTC, params={"trigger": True})
        positions_after = await ex.fetch_positions([BTC])
    assert plain == []
    assert {o["id"] for o in trigger} == {stop["id"], take["id"]}
    assert fetched["triggerPrice"] == 60_000
    assert remaining == []
    assert positions_after == []


async def test_cancel_all_plain_and_trigger_books() -> None:
    orders = [
        {"symbol": BTC, "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
        {"symbol": BTC, "side": "sell", "type": "stop_market", "amount": "0.01",
         "trigger_price": "50000"},
        {"symbol": ETH, "side": "buy", "type": "limit", "amount": "1", "price": "2000"},
    ]  # fmt: skip
    async with (
        start_sim(scenario(account(orders=orders))) as sim,
        opened(ccxt_async.binanceusdm, sim.url) as ex,
    ):
        ex.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
        await ex.cancel_all_orders(BTC)
        assert len(await ex.fetch_open_orders(BTC, params={"trigger": True})) == 1
        await ex.cancel_all_orders(BTC, {"trigger": True})
        await ex.cancel_all_orders(BTC)  # nothing open: futures answer code 200, no error
        left = await ex.fetch_open_orders()
    assert [o["symbol"] for o in left] == [ETH]


async def test_countdown_cancel_all_cancels_when_it_lapses() -> None:
    orders = [{"symbol": BTC, "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"}]
    async with (
        start_sim(scenario(account(orders=orders))) as sim,
        opened(ccxt_async.binanceusdm, sim.url) as ex,
    ):
        armed = await ex.fapiPrivatePostCountdownCancelAll(
            {"symbol": "BTCUSDT", "countdownTime": 5000}
        )
        await ex.fapiPrivatePostCountdownCancelAll({"symbol": "BTCUSDT", "countdownTime": 100})
        assert sim.state()["accounts"]["main"]["countdowns"] == ["BTCUSDT"]
        await asyncio.sleep(0.3)
        assert await ex.fetch_open_orders(BTC) == []
        await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        await ex.fapiPrivatePostCountdownCancelAll({"symbol": "BTCUSDT", "countdownTime": 100})
        await ex.fapiPrivatePostCountdownCancelAll({"symbol": "BTCUSDT", "countdownTime": 0})
        await asyncio.sleep(0.3)
        assert len(await ex.fetch_open_orders(BTC)) == 1  # disarmed: nothing canceled
    assert armed == {"symbol": "BTCUSDT", "countdownTime": "5000"}


async def test_lean_options_load_only_futures_exchange_info() -> None:
    async with (
        start_sim(scenario()) as sim,
        opened(ccxt_async.binanceusdm, sim.url, options=LEAN) as ex,
    ):
        assert len(ex.markets) == 15
    assert [(r["method"], r["path"]) for r in sim.log()] == [("GET", "/fapi/v1/exchangeInfo")]


async def test_partial_position_close_realises_pnl_into_the_wallet() -> None:
    positions = [{"symbol": ETH, "side": "long", "amount": "2", "entry_price": "3000"}]
    async with (
        start_sim(scenario(account(positions=positions))) as sim,
        opened(ccxt_async.binanceusdm, sim.url) as ex,
    ):
        sim.set_prices({ETH: 3_100})
        sell = await ex.create_order(ETH, "market", "sell", 1, None, {"reduceOnly": True})
        [position] = await ex.fetch_positions([ETH])
    realised = (sell["average"] - 3_000) * 1
    fee = sell["average"] * 0.0005
    wallet = sim.state()["accounts"]["main"]["futures"]["USDT"]
    assert position["contracts"] == 1
    assert float(wallet) == pytest.approx(50_000 + realised - fee)


async def test_history_income_orders_and_margin_mode() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        await ex.create_order(BTC, "market", "buy", 0.1)
        await ex.create_order(BTC, "market", "sell", 0.1, None, {"reduceOnly": True})
        stop = await ex.create_order(BTC, "market", "sell", 0.1, None, {"triggerPrice": 60_000})
        await ex.cancel_order(stop["id"], BTC, {"trigger": True})
        orders = await ex.fetch_orders(BTC)
        algo = await ex.fetch_orders(BTC, params={"trigger": True})
        income = await ex.fetch_funding_history(BTC)  # /fapi/v1/income
        await ex.set_margin_mode("isolated", BTC)
        mode = await ex.fetch_margin_mode(BTC)
        fee = await ex.fetch_trading_fee(BTC)
    assert [o["status"] for o in orders] == ["closed", "closed"]
    assert [o["status"] for o in algo] == ["canceled"]
    assert isinstance(income, list)
    assert mode["marginMode"] == "isolated"
    assert fee["taker"] == 0.0005


@pytest.mark.parametrize(
    ("tif", "price", "status"),
    [("IOC", 60_000, "expired"), ("FOK", 60_000, "expired"), ("GTX", 70_000, "expired"),
     ("IOC", 70_000, "closed"), ("GTC", 60_000, "open")],
)  # fmt: skip
async def test_time_in_force(tif: str, price: float, status: str) -> None:
    async with (
        start_sim(scenario()) as sim,
        opened(ccxt_async.binanceusdm, sim.url, options=LEAN) as ex,
    ):
        order = await ex.create_order(BTC, "limit", "buy", 0.01, price, {"timeInForce": tif})
        left = await ex.fetch_open_orders(BTC)
    assert order["status"] == status
    assert len(left) == (status == "open")
