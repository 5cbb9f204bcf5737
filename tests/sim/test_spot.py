"""Spot trading through unmodified ccxt.async_support.binance over HTTP."""

from __future__ import annotations

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import BadRequest, BadSymbol, InsufficientFunds, InvalidOrder, OrderNotFound

from botguard.testing.sim import start_sim

from .conftest import KEY, SECRET, account, exchange, opened, scenario

pytestmark = pytest.mark.sim


async def test_default_load_markets_with_keys_hits_only_served_endpoints() -> None:
    async with start_sim() as sim:
        ex = exchange(
            ccxt_async.binance, sim.url, key="demo", secret="demo-secret", enableRateLimit=True
        )
        try:
            markets = await ex.load_markets()
            assert await ex.fetch_time() > 0
        finally:
            await ex.close()
        spot = [m for m in markets.values() if m["spot"]]
        swaps = [m for m in markets.values() if m["swap"]]
        assert len(spot) >= 30
        assert len(swaps) >= 15
        assert {"BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "XRP/USDT"} <= set(markets)
        btc = markets["BTC/USDT"]
        assert btc["precision"]["price"] == 0.01
        assert btc["limits"]["cost"]["min"] == 5
        log = sim.log()
        assert {(r["method"], r["path"]) for r in log} >= {
            ("GET", "/sapi/v1/capital/config/getall"),
            ("GET", "/sapi/v1/margin/allPairs"),
            ("GET", "/api/v3/exchangeInfo"),
            ("GET", "/fapi/v1/exchangeInfo"),
        }
        assert all(r["status"] == 200 and not r["unknown"] for r in log)


async def test_demo_account_balance_and_key_restrictions() -> None:
    async with (
        start_sim() as sim,
        opened(ccxt_async.binance, sim.url, key="demo", secret="demo-secret") as ex,
    ):
        balance = await ex.fetch_balance()
        futures = await ex.fetch_balance({"type": "future"})
        restrictions = await ex.sapiGetAccountApiRestrictions()
    assert balance["USDT"]["free"] == 100_000
    assert balance["BTC"]["total"] == 2
    assert futures["USDT"]["total"] == 100_000
    assert restrictions["enableWithdrawals"] is True
    assert restrictions["ipRestrict"] is False


async def test_limit_order_rests_locks_balance_and_cancels() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        order = await ex.create_order("BTC/USDT", "limit", "buy", 0.1, 60_000)
        assert order["status"] == "open"
        balance = await ex.fetch_balance()
        assert balance["USDT"]["used"] == 6_000
        assert balance["USDT"]["free"] == 44_000
        fetched = await ex.fetch_order(order["id"], "BTC/USDT")
        assert fetched["status"] == "open"
        assert fetched["price"] == 60_000
        [listed] = await ex.fetch_open_orders("BTC/USDT")
        assert listed["id"] == order["id"]
        canceled = await ex.cancel_order(order["id"], "BTC/USDT")
        assert canceled["status"] == "canceled"
        assert (await ex.fetch_balance())["USDT"]["free"] == 50_000
        with pytest.raises(OrderNotFound):
            await ex.cancel_order(order["id"], "BTC/USDT")


async def test_market_orders_fill_at_the_touch_with_fees_and_trades() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        ticker = await ex.fetch_ticker("ETH/USDT")
        buy = await ex.create_order("ETH/USDT", "market", "buy", 1)
        by_cost = await ex.create_order("ETH/USDT", "market", "buy", None, None, {"cost": 320})
        sell = await ex.create_order("BTC/USDT", "market", "sell", 0.5)
        trades = await ex.fetch_my_trades("ETH/USDT")
        balance = await ex.fetch_balance()
    assert buy["status"] == "closed"
    assert buy["average"] == ticker["ask"]
    assert buy["fee"] == {"currency": "ETH", "cost": 0.001}
    assert by_cost["filled"] == pytest.approx(0.0999, abs=1e-4)
    assert sell["average"] < 65_000
    assert sell["fee"]["currency"] == "USDT"
    assert [t["side"] for t in trades] == ["buy", "buy"]
    assert balance["ETH"]["total"] == pytest.approx(10 + 0.999 + 0.0999 * 0.999, abs=1e-4)


async def test_crossing_limit_fills_and_resting_limit_fills_when_price_moves() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        crossing = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 70_000)
        resting = await ex.create_order("BTC/USDT", "limit", "sell", 0.2, 66_000)
        sim.set_prices({"BTC/USDT": 67_000})
        after = await ex.fetch_order(resting["id"], "BTC/USDT")
    assert crossing["status"] == "closed"
    assert crossing["average"] < 70_000
    assert after["status"] == "closed"
    assert after["average"] == 66_000


async def test_cancel_all_per_symbol_and_binance_error_when_nothing_is_open() -> None:
    orders = [
        {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
        {"symbol": "BTC/USDT", "side": "sell", "type": "limit", "amount": "0.01", "price": "90000"},
        {"symbol": "ETH/USDT", "side": "buy", "type": "limit", "amount": "1", "price": "2000"},
    ]
    async with (
        start_sim(scenario(account(orders=orders))) as sim,
        opened(ccxt_async.binance, sim.url) as ex,
    ):
        ex.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
        assert len(await ex.fetch_open_orders()) == 3
        canceled = await ex.cancel_all_orders("BTC/USDT")
        assert {o["status"] for o in canceled} == {"canceled"}
        assert len(canceled) == 2
        with pytest.raises(OrderNotFound):  # Binance answers -2011 when nothing is open
            await ex.cancel_all_orders("BTC/USDT")
        [left] = await ex.fetch_open_orders()
    assert left["symbol"] == "ETH/USDT"
    assert sim.state()["accounts"]["main"]["spot"]["USDT"]["locked"] == "2000"


async def test_order_rejections_map_to_ccxt_classes() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        with pytest.raises(InsufficientFunds):
            await ex.create_order("BTC/USDT", "market", "buy", 5)
        with pytest.raises(BadRequest):  # -1013 NOTIONAL: ccxt maps it to BadRequest live too
            await ex.create_order("BTC/USDT", "limit", "buy", 0.00001, 60_000)
        raw = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
               "quantity": "0.000015", "price": "60000"}  # fmt: skip
        with pytest.raises(InvalidOrder, match="LOT_SIZE"):  # off the step: ccxt never sends it
            await ex.privatePostOrder(raw)
        with pytest.raises(BadSymbol):
            await ex.privateGetOpenOrders({"symbol": "NOPEUSDT"})
        with pytest.raises(OrderNotFound):
            await ex.fetch_order("424242", "BTC/USDT")


async def test_market_data_tickers_book_and_depth() -> None:
    async with (
        start_sim() as sim,
        opened(ccxt_async.binance, sim.url, key="demo", secret="demo-secret") as ex,
    ):
        tickers = await ex.fetch_tickers(["BTC/USDT", "SOL/USDT"])
        book = await ex.fetch_order_book("BTC/USDT", 5)
        bids_asks = await ex.fetch_bids_asks(["XRP/USDT"])
    assert tickers["BTC/USDT"]["last"] == 65_000
    assert book["bids"][0][0] < book["asks"][0][0]
    assert len(book["bids"]) == 5
    assert bids_asks["XRP/USDT"]["bid"] < 0.52 < bids_asks["XRP/USDT"]["ask"]


async def test_withdraw_refused_without_the_permission_and_allowed_with_it() -> None:
    from ccxt.base.errors import AuthenticationError

    keys = [
        account(),
        account(name="rich", api_key="w-key", secret="w-secret",
                permissions={"withdraw": True}),
    ]  # fmt: skip
    async with start_sim(scenario(*keys)) as sim:
        async with opened(ccxt_async.binance, sim.url, options={"fetchCurrencies": False}) as ex:
            with pytest.raises(AuthenticationError):
                await ex.withdraw("USDT", 100, "0x" + "a" * 40, {"network": "ETH"})
        async with opened(ccxt_async.binance, sim.url, key="w-key", secret="w-secret") as ex:
            result = await ex.withdraw("USDT", 100, "0x" + "a" * 40, {"network": "ETH"})
        state = sim.state()["accounts"]
    assert result["id"].startswith("sim-withdraw")
    assert state["main"]["spot"]["USDT"]["free"] == "50000"
    assert state["rich"]["spot"]["USDT"]["free"] == "49900"
    reasons = [r["reason"] for r in sim.log() if r["path"].endswith("withdraw/apply")]
    assert reasons[0] == "key lacks the withdraw permission"
    assert reasons[1] is None
    assert KEY not in str(sim.log())
    assert SECRET not in str(sim.log())


async def test_transfer_needs_universal_transfer_permission() -> None:
    from ccxt.base.errors import AuthenticationError

    keys = [account(), account(name="mover", api_key="t-key", secret="t-secret",
                               permissions={"universal_transfer": True})]  # fmt: skip
    async with start_sim(scenario(*keys)) as sim:
        async with opened(ccxt_async.binance, sim.url, options={"fetchCurrencies": False}) as ex:
            with pytest.raises(AuthenticationError):
                await ex.transfer("USDT", 10, "spot", "swap")
        async with opened(
            ccxt_async.binance, sim.url, key="t-key", secret="t-secret",
            options={"fetchCurrencies": False},
        ) as ex:  # fmt: skip
            await ex.transfer("USDT", 10, "spot", "swap")
            futures = await ex.fetch_balance({"type": "future"})
    assert futures["USDT"]["total"] == 50_010


async def test_history_reads_orders_fees_klines() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        order = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 60_000)
        await ex.cancel_order(order["id"], "BTC/USDT")
        await ex.create_order("BTC/USDT", "market", "buy", 0.01)
        closed = await ex.fetch_closed_orders("BTC/USDT")
        canceled = await ex.fetch_canceled_orders("BTC/USDT")
        fees = await ex.fetch_trading_fees()
        candles = await ex.fetch_ohlcv("BTC/USDT", "1h", limit=3)
    assert len(closed) == 1
    assert [o["id"] for o in canceled] == [order["id"]]
    assert fees["BTC/USDT"]["taker"] == 0.001
    assert [c[4] for c in candles] == [65_000, 65_000, 65_000]


async def test_seeded_spot_stop_orders_list_and_fire() -> None:
    orders = [
        {"symbol": "BTC/USDT", "side": "sell", "type": "stop_market", "amount": "0.5",
         "trigger_price": "60000"},
        {"symbol": "ETH/USDT", "side": "sell", "type": "take_profit_market", "amount": "1",
         "trigger_price": "4000"},
    ]  # fmt: skip
    async with (
        start_sim(scenario(account(orders=orders))) as sim,
        opened(ccxt_async.binance, sim.url) as ex,
    ):
        listed = await ex.fetch_open_orders("BTC/USDT")
        assert [(o["type"], o["triggerPrice"]) for o in listed] == [
            ("market", 60_000)
        ]  # ccxt: a STOP_LOSS is a triggered market
        assert (await ex.fetch_balance())["BTC"]["used"] == 0.5
        sim.set_prices({"BTC/USDT": 59_000})
        [fired] = await ex.fetch_closed_orders("BTC/USDT")
        balance = await ex.fetch_balance()
    assert fired["filled"] == 0.5
    assert balance["BTC"]["total"] == 0.5
    assert [o["info"]["type"] for o in [fired]] == ["STOP_LOSS"]


async def test_ioc_limit_that_does_not_cross_expires_without_locking() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binance, sim.url) as ex:
        order = await ex.create_order(
            "BTC/USDT", "limit", "buy", 0.1, 60_000, {"timeInForce": "IOC"}
        )
        balance = await ex.fetch_balance()
    assert order["status"] == "expired"
    assert balance["USDT"]["used"] == 0
