"""The sim speaking Bybit v5, driven by unmodified ccxt.async_support.bybit over real HTTP."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import botguard.sim.bybit as bybit_pkg
from botguard.sim.bybit import api as bybit_api
from botguard.sim.bybit import serve
from botguard.sim.bybit.api import ROUTES
from botguard.testing.sim import start_sim

from .bybit_helpers import KEY, SECRET, bybit_account, opened

pytestmark = pytest.mark.sim

LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
STOP = {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.05",
        "trigger_price": "50000", "reduce_only": True}  # fmt: skip
SPOT = {"type": "spot"}
LINEAR = {"type": "swap", "subType": "linear"}


def scenario(*accounts: dict[str, Any], **sim: Any) -> dict[str, Any]:
    return {"sim": sim, "account": list(accounts) or [bybit_account()]}


def test_endpoint_list_in_the_docstring_is_the_route_table() -> None:
    doc = bybit_pkg.__doc__ or ""
    listed = set(re.findall(r"^\s+(GET|POST)\s+(/v5/\S+)$", doc, re.MULTILINE))
    assert listed == set(ROUTES)


async def test_instruments_carry_bybit_filters_that_ccxt_parses() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        perp, spot = ex.markets["BTC/USDT:USDT"], ex.markets["BTC/USDT"]
    assert (perp["id"], spot["id"]) == ("BTCUSDT", "BTCUSDT")  # one id, two categories
    assert perp["precision"]["amount"] == 0.001  # qtyStep
    assert perp["limits"]["cost"]["min"] == 5  # minNotionalValue
    assert spot["limits"]["amount"]["min"] == 0.00002  # minOrderQty ~ 1 USDT


async def test_one_book_holds_plain_and_conditional_orders() -> None:
    spot_order = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01",
                  "price": "50000"}  # fmt: skip
    acct = bybit_account(orders=[STOP, spot_order], positions=[LONG])
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        perps = await ex.fetch_open_orders(None, None, None, dict(LINEAR))
        spot = await ex.fetch_open_orders(None, None, None, dict(SPOT))
        (position,) = await ex.fetch_positions()
        balance = await ex.fetch_balance()
    assert [(o["symbol"], o["triggerPrice"]) for o in perps] == [("BTC/USDT:USDT", 50000)]
    assert [o["symbol"] for o in spot] == ["BTC/USDT"]
    assert (position["side"], position["contracts"]) == ("long", 0.05)
    assert balance["total"]["BTC"] == 1


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"secret": "wrong"}, ccxt.AuthenticationError),  # 10004 error sign
        ({"apiKey": "nobody"}, ccxt.AuthenticationError),  # 10003 invalid key
    ],
)
async def test_auth_failures_are_retcodes_with_http_200(
    config: dict[str, Any], error: type[Exception]
) -> None:
    async with start_sim(scenario()) as sim:
        async with opened(sim.url) as ex:
            ex.apiKey, ex.secret = config.get("apiKey", KEY), config.get("secret", SECRET)
            with pytest.raises(error):
                await ex.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})
        refused = [e for e in sim.log() if e["code"] in (10003, 10004)]
    assert [e["status"] for e in refused] == [200]


async def test_ip_not_bound_is_permission_denied() -> None:
    async with start_sim(scenario(bybit_account(ip_whitelist=["10.1.2.3"]))) as sim:
        with pytest.raises(ccxt.PermissionDenied):  # 10010, on the first signed call
            async with opened(sim.url):
                pass


async def test_trading_without_the_right_is_permission_denied() -> None:
    acct = bybit_account(permissions={"spot": True, "futures": False}, positions=[LONG])
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        with pytest.raises(ccxt.PermissionDenied):  # 10005
            await ex.create_order("BTC/USDT:USDT", "market", "sell", 0.05, None,
                                  {"reduceOnly": True})  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("503", ccxt.ExchangeNotAvailable),
        ("reset", ccxt.NetworkError),
        ("timeout", ccxt.RequestTimeout),
    ],
)
async def test_faults_raise_what_ccxt_raises_live(fault: str, error: type[Exception]) -> None:
    faults = f"GET /v5/position/list:{fault}"
    async with start_sim(scenario(), faults=faults) as sim, opened(sim.url) as ex:
        if fault == "timeout":  # only the held request waits the 1.5 s out; under load the
            ex.timeout = 1500  # markets and the other faults' answers could take longer
        with pytest.raises(error):
            await ex.fetch_positions()


async def test_rate_limit_is_10006_with_http_200_and_limit_headers() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        serve.book(sim.server.ex).limit_scale = 0.04  # 50/s -> 2/s
        serve.book(sim.server.ex).clock = lambda: 1000.0
        await ex.fetch_positions()
        headers = dict(ex.last_response_headers)
        await ex.fetch_positions()
        with pytest.raises(ccxt.RateLimitExceeded):
            await ex.fetch_positions()
        refused = [e for e in sim.log() if e["code"] == 10006]
    assert [e["status"] for e in refused] == [200]
    assert headers["X-Bapi-Limit"] == "2"
    assert headers["X-Bapi-Limit-Status"] == "1"


async def test_open_orders_come_20_a_page_unless_a_limit_is_given() -> None:
    orders = [{"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.001",
               "price": str(40000 + i)} for i in range(60)]  # fmt: skip
    async with start_sim(scenario(bybit_account(orders=orders))) as sim, opened(sim.url) as ex:
        first = await ex.private_get_v5_order_realtime({"category": "spot"})
        big = await ex.private_get_v5_order_realtime({"category": "spot", "limit": "50"})
        rest = await ex.private_get_v5_order_realtime(
            {"category": "spot", "limit": "50", "cursor": big["result"]["nextPageCursor"]}
        )
        with pytest.raises(ccxt.BadRequest):  # 51 is over the maximum
            await ex.private_get_v5_order_realtime({"category": "spot", "limit": "51"})
    assert len(first["result"]["list"]) == 20
    assert len(big["result"]["list"]) == 50
    assert len(rest["result"]["list"]) == 10
    assert rest["result"]["nextPageCursor"] == ""


async def test_cancel_all_means_received_and_linear_needs_a_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The orders go 0.5 s after the answer, not 0.05 s: the read right after must come
    # first even under load (it raced 50 ms before). The sleeps below share the sim's
    # loop, so its timer, set first and due first, has always fired when they end.
    delay = 0.5
    monkeypatch.setattr(bybit_api, "CANCEL_ALL_DELAY_S", delay)
    spot_stop = {"symbol": "ETH/USDT", "side": "sell", "type": "stop_market", "amount": "1",
                 "trigger_price": "2000"}  # fmt: skip
    spot_order = {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1",
                  "price": "9000"}  # fmt: skip
    acct = bybit_account(orders=[STOP, spot_stop, spot_order], positions=[LONG])
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        with pytest.raises(ccxt.BadRequest):  # linear: symbol, baseCoin or settleCoin
            await ex.private_post_v5_order_cancel_all({"category": "linear"})
        answer = await ex.cancel_all_orders(None, {"type": "spot"})  # plain spot orders only
        right_after = await ex.fetch_open_orders(None, None, None, dict(SPOT))
        await asyncio.sleep(delay)
        later = await ex.fetch_open_orders(None, None, None, dict(SPOT))
        await ex.cancel_all_orders(None, {"type": "spot", "orderFilter": "StopOrder"})
        await ex.cancel_all_orders()  # ccxt's default: linear, settleCoin USDT, every kind
        await asyncio.sleep(delay)
        state = sim.state()["accounts"]["bybit-main"]
    assert len(answer) == 1
    assert len(right_after) == 2  # "received", not done: the order is still there
    assert [o["triggerPrice"] for o in later] == [2000]  # the spot stop stays
    assert state["open_orders"] == []
    assert state["algo_orders"] == []


async def test_batch_orders_take_20_linear_and_10_spot() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:

        def order(symbol: str) -> dict[str, Any]:
            return {"symbol": symbol, "type": "limit", "side": "buy", "amount": 0.001,
                    "price": 40000}  # fmt: skip

        with pytest.raises(ccxt.BadRequest):
            await ex.create_orders([order("BTC/USDT")] * 11)
        spot = await ex.create_orders([order("BTC/USDT")] * 10)
        perps = await ex.create_orders([order("BTC/USDT:USDT")] * 20)
    assert len(spot) == 10
    assert all(o["id"] for o in perps)


async def test_reduce_only_close_and_spot_sell_through_ccxt() -> None:
    async with start_sim(scenario(bybit_account(positions=[LONG]))) as sim, opened(sim.url) as ex:
        await ex.create_order("BTC/USDT:USDT", "market", "sell", 0.05, None,
                              {"reduceOnly": True, "clientOrderId": "bg1"})  # fmt: skip
        with pytest.raises(ccxt.InvalidOrder):  # 110017: nothing left to reduce
            await ex.create_order("BTC/USDT:USDT", "market", "sell", 0.05, None,
                                  {"reduceOnly": True})  # fmt: skip
        await ex.create_order("ETH/USDT", "market", "sell", 1)
        history = await ex.private_get_v5_order_history(
            {"category": "linear", "orderLinkId": "bg1"}
        )
        positions = await ex.fetch_positions()
        state = sim.state()["accounts"]["bybit-main"]
    assert positions == []
    assert history["result"]["list"][0]["orderStatus"] == "Filled"
    assert Decimal(state["spot"]["ETH"]["free"]) == 9


async def test_query_api_reports_permissions_ips_and_expiry() -> None:
    acct = bybit_account(permissions={"spot": True, "futures": True, "withdraw": True})
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        info = (await ex.private_get_v5_user_query_api())["result"]
        await ex.cancel_all_orders_after(10_000)  # DCP: recorded, fires only on a websocket drop
    assert "Withdraw" in info["permissions"]["Wallet"]
    assert info["ips"] == ["*"]
    assert info["readOnly"] == 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.one_of(st.none(), st.text(max_size=40), st.just(KEY)),
    sign=st.one_of(st.none(), st.text(max_size=70)),
    timestamp=st.one_of(st.none(), st.text(max_size=20), st.integers(0, 2**45).map(str)),
    window=st.one_of(st.none(), st.text(max_size=8)),
    payload=st.text(max_size=40),
)
@example(key=KEY, sign=None, timestamp="\u00b2", window=None, payload="")  # "²".isdigit()
@example(key=KEY, sign=None, timestamp="0", window="\u00b2", payload="")
def test_any_headers_get_a_bybit_retcode_never_a_crash(
    key: str | None, sign: str | None, timestamp: str | None, window: str | None, payload: str
) -> None:
    """Whatever arrives in the X-BAPI-* headers, the answer is one of Bybit's retCodes."""
    from botguard.sim.bybit.auth import BybitSigned, authenticate
    from botguard.sim.bybit.wire import BybitError
    from botguard.sim.scenario import load_scenario
    from botguard.sim.state import Exchange

    ex = _EXCHANGE.setdefault("ex", Exchange(load_scenario({"account": [bybit_account()]})))
    with pytest.raises(BybitError) as refused:
        authenticate(ex, BybitSigned(key, sign, timestamp, window, payload), ip="127.0.0.1")
    assert refused.value.code in (10002, 10003, 10004)


_EXCHANGE: dict[str, Any] = {}
