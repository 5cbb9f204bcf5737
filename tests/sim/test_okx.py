"""The sim speaking OKX v5, driven by unmodified ccxt.async_support.okx over real HTTP.

Each test asserts what ccxt makes of the sim's answer (its exception class, its parsed
market, order or position), since that is what botguard's venues will meet live.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import ccxt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import botguard.sim.okx as okx_pkg
from botguard.sim.okx import serve
from botguard.sim.okx.api import ROUTES
from botguard.testing.sim import start_sim

from .okx_helpers import KEY, PASSPHRASE, SECRET, okx_account, opened

pytestmark = pytest.mark.sim

LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
STOP = {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market", "amount": "0.05",
        "trigger_price": "50000", "reduce_only": True}  # fmt: skip
TRIGGER = {"symbol": "ETH/USDT:USDT", "side": "buy", "type": "stop", "amount": "0.1",
           "price": "3500", "trigger_price": "3400"}  # fmt: skip


def scenario(*accounts: dict[str, Any], **sim: Any) -> dict[str, Any]:
    return {"sim": sim, "account": list(accounts) or [okx_account()]}


def test_endpoint_list_in_the_docstring_is_the_route_table() -> None:
    doc = okx_pkg.__doc__ or ""
    listed = set(re.findall(r"^\s+(GET|POST)\s+(/api/v5/\S+)$", doc, re.MULTILINE))
    assert listed == set(ROUTES)


async def test_instruments_carry_okx_filters_that_ccxt_parses() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        swap, spot = ex.markets["BTC/USDT:USDT"], ex.markets["BTC/USDT"]
    assert swap["id"] == "BTC-USDT-SWAP"
    assert swap["contractSize"] == 0.01  # ctVal: sizes are contracts of 0.01 BTC
    assert swap["precision"]["amount"] == 0.1  # lotSz in contracts
    assert swap["precision"]["price"] == 0.1  # tickSz
    assert spot["id"] == "BTC-USDT"
    assert spot["limits"]["amount"]["min"] == 0.00002  # minSz: OKX has no notional filter


async def test_balance_positions_and_both_books_read_through_ccxt() -> None:
    acct = okx_account(orders=[STOP, TRIGGER], positions=[LONG])
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        balance = await ex.fetch_balance()
        (position,) = await ex.fetch_positions()
        plain = await ex.fetch_open_orders()
        conditional = await ex.fetch_open_orders(None, None, None, {"ordType": "conditional"})
        trigger = await ex.fetch_open_orders(None, None, None, {"trigger": True})
    assert balance["total"]["BTC"] == 1
    assert (position["symbol"], position["side"], position["contracts"]) == (
        "BTC/USDT:USDT", "long", 5.0  # 0.05 BTC = 5 contracts of 0.01
    )  # fmt: skip
    assert plain == []  # conditional orders live in the separate algo book
    assert [o["symbol"] for o in conditional] == ["BTC/USDT:USDT"]
    assert [o["symbol"] for o in trigger] == [
        "ETH/USDT:USDT"
    ]  # ccxt's trigger=True: ordType=trigger only


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"secret": "wrong"}, ccxt.AuthenticationError),  # 50113 invalid sign
        ({"password": "wrong"}, ccxt.AuthenticationError),  # 50105 passphrase
        ({"apiKey": "nobody"}, ccxt.AuthenticationError),  # 50111 invalid key
    ],
)
async def test_auth_failures_raise_ccxt_authentication_errors(
    config: dict[str, Any], error: type[Exception]
) -> None:
    async with start_sim(scenario()) as sim:
        async with opened(sim.url) as ex:  # markets are public: the load works
            ex.apiKey, ex.secret, ex.password = (
                config.get("apiKey", KEY), config.get("secret", SECRET),
                config.get("password", PASSPHRASE),
            )  # fmt: skip
            with pytest.raises(error):
                await ex.fetch_balance()
        codes = [e["code"] for e in sim.log() if e["path"] == "/api/v5/account/balance"]
    assert codes
    assert codes[0] in ("50113", "50105", "50111")


async def test_ip_not_whitelisted_is_permission_denied() -> None:
    acct = okx_account(ip_whitelist=["10.1.2.3"])
    async with start_sim(scenario(acct)) as sim:
        ex = opened(sim.url)
        with pytest.raises(ccxt.PermissionDenied):  # 50110, on the first signed call
            async with ex:
                pass


async def test_a_binance_key_is_unknown_to_okx_and_an_okx_key_to_binance() -> None:
    binance = {"name": "bn", "api_key": "bn-key", "secret": "bn-secret"}
    async with start_sim(scenario(okx_account(), binance)) as sim:
        async with opened(sim.url) as ex:
            ex.apiKey, ex.secret = "bn-key", "bn-secret"
            with pytest.raises(ccxt.AuthenticationError):
                await ex.fetch_balance()
        import ccxt.async_support as ccxt_async

        from botguard.venues.connect import rebase_urls

        lean = {"fetchCurrencies": False, "fetchMargins": False}
        bn = ccxt_async.binance({"apiKey": KEY, "secret": SECRET, "options": lean})
        bn.urls["api"] = rebase_urls(bn.urls["api"], sim.url)
        try:
            with pytest.raises(ccxt.AuthenticationError):
                await bn.fetch_balance()
        finally:
            await bn.close()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("503", ccxt.ExchangeNotAvailable),
        ("500", ccxt.ExchangeNotAvailable),  # 50026 system error
        ("maintenance", ccxt.OnMaintenance),  # 50001
        ("reset", ccxt.NetworkError),
        ("timeout", ccxt.RequestTimeout),
    ],
)
async def test_faults_raise_what_ccxt_raises_live(fault: str, error: type[Exception]) -> None:
    faults = f"GET /api/v5/account/positions:{fault}"
    async with start_sim(scenario(), faults=faults) as sim, opened(sim.url) as ex:
        if fault == "timeout":  # only the held request waits the 1.5 s out; under load the
            ex.timeout = 1500  # markets and the other faults' answers could take longer
        with pytest.raises(error):
            await ex.fetch_positions()


async def test_rate_limit_is_50011_with_http_429_and_ccxt_rate_limit_exceeded() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        serve.book(sim.server.ex).limit_scale = 0.2  # positions: 10 per 2 s -> 2
        serve.book(sim.server.ex).clock = lambda: 1000.0  # one window for the whole test
        await ex.fetch_positions()
        await ex.fetch_positions()
        with pytest.raises(ccxt.RateLimitExceeded):
            await ex.fetch_positions()
        refused = [e for e in sim.log() if e["code"] == "50011"]
    assert [e["status"] for e in refused] == [429]


async def test_open_orders_come_100_a_page_and_older_ones_with_after() -> None:
    orders = [{"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.001",
               "price": str(40000 + i)} for i in range(150)]  # fmt: skip
    async with start_sim(scenario(okx_account(orders=orders))) as sim, opened(sim.url) as ex:
        first = await ex.fetch_open_orders()
        # ccxt re-sorts a page by time: the oldest id, not the last row, pages on
        rest = await ex.fetch_open_orders(None, None, None, {"after": _oldest(first)})
        tail = await ex.fetch_open_orders(None, None, None, {"after": _oldest(rest)})
    assert (len(first), len(rest), len(tail)) == (100, 50, 0)
    assert not {o["id"] for o in first} & {o["id"] for o in rest}


def _oldest(orders: list[dict[str, Any]]) -> str:
    return str(min(int(o["id"]) for o in orders))


async def test_cancel_batch_takes_20_and_answers_each_order() -> None:
    orders = [{"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.001",
               "price": str(40000 + i)} for i in range(21)]  # fmt: skip
    async with start_sim(scenario(okx_account(orders=orders))) as sim, opened(sim.url) as ex:
        ids = [o["id"] for o in await ex.fetch_open_orders()]
        with pytest.raises(ccxt.ExchangeError):  # 50025: 21 is over the limit
            await ex.cancel_orders(ids, "BTC/USDT")
        done = await ex.cancel_orders(ids[:20], "BTC/USDT")
        with pytest.raises(ccxt.OrderNotFound):  # all 20 already gone: code 1, sCode 51400
            await ex.cancel_orders(ids[:20], "BTC/USDT")
        left = await ex.fetch_open_orders()
    assert len(done) == 20
    assert [o["id"] for o in left] == ids[20:]


async def test_algo_book_needs_an_ord_type_and_cancels_10_a_call() -> None:
    stops = [{**STOP, "amount": "0.001", "trigger_price": str(50000 + i)} for i in range(11)]
    async with start_sim(scenario(okx_account(orders=stops, positions=[LONG]))) as sim:
        async with opened(sim.url) as ex:
            with pytest.raises(ccxt.BadRequest):  # 50014 ordType can not be empty
                await ex.private_get_trade_orders_algo_pending({})
            with pytest.raises(ccxt.BadRequest):  # only conditional and oco combine
                await ex.private_get_trade_orders_algo_pending({"ordType": "trigger,conditional"})
            found = await ex.private_get_trade_orders_algo_pending({"ordType": "conditional,oco"})
            ids = [o["algoId"] for o in found["data"]]
            with pytest.raises(ccxt.ExchangeError):
                await ex.cancel_orders(ids, "BTC/USDT:USDT", {"trigger": True})
            await ex.cancel_orders(ids[:10], "BTC/USDT:USDT", {"trigger": True})
        state = sim.state()["accounts"]["okx-main"]
    assert len(ids) == 11
    assert len(state["algo_orders"]) == 1


async def test_close_position_refuses_with_pending_reduce_only_orders_unless_auto_cxl() -> None:
    reduce = {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "limit", "amount": "0.01",
              "price": "90000", "reduce_only": True}  # fmt: skip
    async with start_sim(scenario(okx_account(orders=[reduce], positions=[LONG]))) as sim:
        async with opened(sim.url) as ex:
            with pytest.raises(ccxt.InvalidOrder):  # 51115
                await ex.close_position("BTC/USDT:USDT")
            await ex.close_position("BTC/USDT:USDT", None, {"autoCxl": True})
            positions = await ex.fetch_positions()
            with pytest.raises(ccxt.ExchangeError):  # 51023 position does not exist
                await ex.close_position("BTC/USDT:USDT")
        state = sim.state()["accounts"]["okx-main"]
    assert positions == []
    assert state["open_orders"] == []


async def test_orders_spot_market_sell_and_swap_contract_sizes() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        sold = await ex.create_order(
            "ETH/USDT", "market", "sell", 1, None, {"clientOrderId": "bg1"}
        )
        found = await ex.fetch_order(None, "ETH/USDT", {"clientOrderId": "bg1"})
        await ex.create_order("BTC/USDT:USDT", "market", "buy", 2)  # 2 contracts = 0.02 BTC
        (position,) = await ex.fetch_positions()
        with pytest.raises(ccxt.InvalidOrder):  # 51121: not a multiple of lotSz (0.1)
            await ex.private_post_trade_order(
                {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy",
                 "ordType": "market", "sz": "0.15"}
            )  # fmt: skip
        with pytest.raises(ccxt.OrderNotFound):  # 51603
            await ex.fetch_order(None, "ETH/USDT", {"clientOrderId": "nope"})
        state = sim.state()["accounts"]["okx-main"]
    assert found["id"] == sold["id"]
    assert found["status"] == "closed"
    assert position["contracts"] == 2.0
    assert Decimal(state["spot"]["ETH"]["free"]) == 9


async def test_cancel_all_after_arms_and_disarms_the_dead_mans_switch() -> None:
    async with start_sim(scenario()) as sim, opened(sim.url) as ex:
        serve.book(sim.server.ex).limit_scale = 5  # OKX allows 1 call a second here
        await ex.cancel_all_orders_after(30_000)
        armed = sim.state()["accounts"]["okx-main"]["countdowns"]
        with pytest.raises(ccxt.BadRequest):  # 5 s: OKX takes 0 or 10-120 s
            await ex.private_post_trade_cancel_all_after({"timeOut": "5"})
        await ex.cancel_all_orders_after(0)
        disarmed = sim.state()["accounts"]["okx-main"]["countdowns"]
    assert armed == ["okx:cancel-all-after"]
    assert disarmed == []


async def test_account_config_reports_perm_and_bound_ips() -> None:
    acct = okx_account(permissions={"spot": True, "futures": True, "withdraw": True},
                       ip_whitelist=["127.0.0.1", "10.0.0.2"])  # fmt: skip
    async with start_sim(scenario(acct)) as sim, opened(sim.url) as ex:
        (config,) = (await ex.private_get_account_config())["data"]
    assert config["perm"] == "read_only,trade,withdraw"
    assert config["ip"] == "127.0.0.1,10.0.0.2"


def test_an_account_names_one_of_the_three_exchanges() -> None:
    from botguard.errors import ConfigError
    from botguard.sim.scenario import load_scenario

    loaded = load_scenario({"account": [okx_account()]})
    assert (loaded.accounts[0].exchange, loaded.accounts[0].passphrase) == ("okx", PASSPHRASE)
    with pytest.raises(ConfigError, match=r"account\[0\]\.exchange: expected one of binance"):
        load_scenario({"account": [okx_account(exchange="kraken")]})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.one_of(st.none(), st.text(max_size=40)),
    sign=st.one_of(st.none(), st.text(max_size=60)),
    timestamp=st.one_of(st.none(), st.text(max_size=40)),
    passphrase=st.one_of(st.none(), st.text(max_size=20)),
)
def test_any_headers_get_an_okx_answer_never_a_crash(
    key: str | None, sign: str | None, timestamp: str | None, passphrase: str | None
) -> None:
    """Whatever a client sends in the OK-ACCESS-* headers, the sim answers with an OKX
    code (501xx), never a 500 of its own."""
    from botguard.sim.okx.auth import OkxSigned, authenticate
    from botguard.sim.okx.wire import OkxError
    from botguard.sim.scenario import load_scenario
    from botguard.sim.state import Exchange

    ex = _EXCHANGE.setdefault("ex", Exchange(load_scenario({"account": [okx_account()]})))
    signed = OkxSigned(
        key or None, sign, timestamp, passphrase, "GET", "/api/v5/account/balance", ""
    )
    with pytest.raises(OkxError) as refused:
        authenticate(ex, signed, ip="127.0.0.1")  # no valid signature can come from random text
    assert refused.value.code.startswith("501")
    assert refused.value.status == 401


_EXCHANGE: dict[str, Any] = {}
