"""What real clients call that the sim did not serve: freqtrade's futures start-up, the
official Binance connectors' and python-binance's calls, and websocket URLs.

Through unmodified ccxt (its implicit API methods sign the raw calls) and aiohttp for
the public ones; the sim runs in the test's loop and is read back through /_sim/state.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import ccxt.async_support as ccxt_async
import ccxt.pro as ccxt_pro
import pytest
from ccxt.base.errors import BadRequest, BadSymbol, InvalidOrder, OrderNotFound

from botguard.testing.sim import start_sim
from botguard.venues.connect import rebase_urls

from .conftest import LEAN, opened, scenario

pytestmark = pytest.mark.sim

BTC = "BTC/USDT:USDT"


def walk(urls: Any) -> list[str]:
    if isinstance(urls, dict):
        return [u for value in urls.values() for u in walk(value)]
    return [urls] if isinstance(urls, str) else []


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)


# --- freqtrade's futures start-up ------------------------------------------------------


async def test_multi_assets_margin_is_off() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        answer = await ex.fapiPrivateGetMultiAssetsMargin()
    assert answer == {"multiAssetsMargin": False}


# --- spot: avgPrice, order/test, exchangeInfo filters, newOrderRespType ----------------


async def test_avg_price_is_the_sims_price() -> None:
    async with start_sim(scenario()) as sim:
        sim.set_prices({"BTC/USDT": 65_000})
        status, body = await get_json(f"{sim.url}/api/v3/avgPrice?symbol=BTCUSDT")
        bad_status, bad = await get_json(f"{sim.url}/api/v3/avgPrice?symbol=NOPE")
    assert status == 200
    assert float(body["price"]) == 65_000
    assert body["mins"] == 5
    assert isinstance(body["closeTime"], int)
    assert (bad_status, bad["code"]) == (400, -1121)


async def test_order_test_validates_and_places_nothing() -> None:
    async with (
        start_sim(scenario()) as sim,
        opened(ccxt_async.binance, sim.url, options=LEAN) as ex,
    ):
        ok = await ex.privatePostOrderTest(
            {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
             "quantity": "0.01", "price": "60000"}
        )  # fmt: skip
        with pytest.raises(InvalidOrder):  # -1013 LOT_SIZE, as a real order would be refused
            await ex.privatePostOrderTest(
                {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0000001"}
            )
        with pytest.raises(BadSymbol):
            await ex.privatePostOrderTest(
                {"symbol": "NOPE", "side": "BUY", "type": "MARKET", "quantity": "1"}
            )
        via_ccxt = await ex.create_order("BTC/USDT", "market", "buy", 0.01, None, {"test": True})
        state = sim.state()["accounts"]["main"]
    assert ok == {}
    assert via_ccxt is not None
    assert state["open_orders"] == []
    assert state["spot"]["BTC"]["free"] == "1"  # nothing bought


async def test_exchange_info_filters_by_symbol_and_symbols() -> None:
    async with start_sim(scenario()) as sim:
        one = await get_json(f"{sim.url}/api/v3/exchangeInfo?symbol=BTCUSDT")
        two = await get_json(
            f"{sim.url}/api/v3/exchangeInfo?symbols=" + json.dumps(["BTCUSDT", "ETHUSDT"])
        )
        every = await get_json(f"{sim.url}/api/v3/exchangeInfo")
        unknown = await get_json(f"{sim.url}/api/v3/exchangeInfo?symbol=NOPE")
        one_unknown = await get_json(
            f"{sim.url}/api/v3/exchangeInfo?symbols=" + json.dumps(["BTCUSDT", "NOPE"])
        )
    assert [s["symbol"] for s in one[1]["symbols"]] == ["BTCUSDT"]
    assert sorted(s["symbol"] for s in two[1]["symbols"]) == ["BTCUSDT", "ETHUSDT"]
    assert len(every[1]["symbols"]) > 2
    assert unknown == (400, {"code": -1121, "msg": "Invalid symbol."})
    assert one_unknown[0] == 400
    assert one_unknown[1]["code"] == -1121


async def test_spot_new_order_resp_type_ack_result_full() -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    async with (
        start_sim(scenario()) as sim,
        opened(ccxt_async.binance, sim.url, options=LEAN) as ex,
    ):
        default = await ex.privatePostOrder(params)
        ack = await ex.privatePostOrder({**params, "newOrderRespType": "ACK"})
        result = await ex.privatePostOrder({**params, "newOrderRespType": "RESULT"})
        with pytest.raises(BadRequest):
            await ex.privatePostOrder({**params, "newOrderRespType": "EVERYTHING"})
    assert "fills" in default  # MARKET and LIMIT default to FULL
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert result["status"] == "FILLED"
    assert "fills" not in result


# --- futures: ACK by default, openOrder, modify ----------------------------------------


async def test_futures_answers_ack_by_default_and_result_when_asked() -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        ack = await ex.fapiPrivatePostOrder(params)
        result = await ex.fapiPrivatePostOrder({**params, "newOrderRespType": "RESULT"})
        with pytest.raises(BadRequest):
            await ex.fapiPrivatePostOrder({**params, "newOrderRespType": "FULL"})
        via_ccxt = await ex.create_order(BTC, "market", "buy", 0.01)  # ccxt asks for RESULT
        [position] = await ex.fetch_positions([BTC])
    assert (ack["status"], ack["executedQty"]) == ("NEW", "0")  # accepted, not yet matched
    assert (result["status"], result["executedQty"]) == ("FILLED", "0.01")
    assert via_ccxt["status"] == "closed"
    assert position["contracts"] == pytest.approx(0.03)  # the ACKed order traded all the same


async def test_open_order_finds_a_working_order_only() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        order = await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        found = await ex.fapiPrivateGetOpenOrder({"symbol": "BTCUSDT", "orderId": order["id"]})
        by_client = await ex.fapiPrivateGetOpenOrder(
            {"symbol": "BTCUSDT", "origClientOrderId": order["clientOrderId"]}
        )
        via_ccxt = await ex.fetch_open_order(order["id"], BTC)
        await ex.cancel_order(order["id"], BTC)
        with pytest.raises(OrderNotFound):
            await ex.fapiPrivateGetOpenOrder({"symbol": "BTCUSDT", "orderId": order["id"]})
    assert found["orderId"] == int(order["id"])
    assert found["status"] == "NEW"
    assert by_client["orderId"] == found["orderId"]
    assert via_ccxt["id"] == order["id"]


async def test_modify_moves_a_resting_order_and_fills_when_it_crosses() -> None:
    async with start_sim(scenario()) as sim, opened(ccxt_async.binanceusdm, sim.url) as ex:
        order = await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        moved = await ex.edit_order(order["id"], BTC, "limit", "buy", 0.02, 51_000)
        [resting] = sim.state()["accounts"]["main"]["open_orders"]
        crossed = await ex.edit_order(order["id"], BTC, "limit", "buy", 0.02, 80_000)
        [position] = await ex.fetch_positions([BTC])
        with pytest.raises(OrderNotFound):  # filled: nothing left to modify
            await ex.edit_order(order["id"], BTC, "limit", "buy", 0.02, 52_000)
        other = await ex.create_order(BTC, "limit", "buy", 0.01, 50_000)
        with pytest.raises(InvalidOrder):  # PRICE_FILTER: the order stays as it was
            await ex.fapiPrivatePutOrder(
                {"symbol": "BTCUSDT", "orderId": other["id"], "side": "BUY",
                 "quantity": "0.01", "price": "50000.000001"}
            )  # fmt: skip
        [kept] = sim.state()["accounts"]["main"]["open_orders"]
    assert moved["id"] == order["id"]
    assert (moved["price"], moved["amount"]) == (51_000, 0.02)
    assert (float(resting["price"]), float(resting["origQty"])) == (51_000, 0.02)
    assert crossed["status"] == "closed"
    assert position["contracts"] == pytest.approx(0.02)
    assert float(kept["price"]) == 50_000


# --- websockets: rebased, refused, never dialled out -----------------------------------


def test_rebase_turns_every_wss_url_to_the_sims_host() -> None:
    for cls in (ccxt_pro.binance, ccxt_pro.binanceusdm):
        urls = rebase_urls(cls().urls["api"], "http://127.0.0.1:8899")
        everything = walk(urls)
        assert everything
        assert all("binance" not in u for u in everything), everything
        ws = walk(urls["ws"])
        assert ws
        assert all(u.startswith("ws://127.0.0.1:8899/") for u in ws), ws
    https = walk(rebase_urls(ccxt_pro.binance().urls["api"]["ws"], "https://sim.example:443"))
    assert all(u.startswith("wss://sim.example:443/") for u in https)


async def test_a_websocket_client_is_refused_by_the_sim_not_sent_elsewhere() -> None:
    async with start_sim(scenario()) as sim:
        ws_url = rebase_urls(ccxt_pro.binance().urls["api"]["ws"], sim.url)["spot"]
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as info:
                await session.ws_connect(ws_url + "/btcusdt@trade")
        status, _ = await get_json(f"{sim.url}/api/v3/ping")  # and the sim serves on
    assert info.value.status == 404
    assert status == 200
