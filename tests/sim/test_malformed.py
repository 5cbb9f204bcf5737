"""Malformed requests get Binance's own answers from a real `botguard sim` process.

Binance answers a parameter in the wrong format with -1100 and a missing one with -1102,
both HTTP 400; a sim that answered 500 -1000 ("unknown error") would teach a client's
error handling the wrong lesson (ccxt retries -1000 as an exchange outage). The admin
API refuses prices that are not plain positive decimals, and a client that hangs up
mid-request is its own business, not a sim failure worth a traceback.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from botguard.sim.admin import parse_prices
from botguard.sim.scenario import load_scenario
from botguard.sim.server import SimServer

pytestmark = pytest.mark.sim

KEY, SECRET = "malformed-key-0001", "malformed-secret-0001"
SCENARIO = f"""
[sim.limits]
weight_per_minute = 1000000
orders_per_10s = 100000

[[account]]
name = "main"
api_key = "{KEY}"
secret = "{SECRET}"
permissions = {{ spot = true, futures = true }}
spot = {{ USDT = "50000", BTC = "1" }}
futures = {{ USDT = "50000" }}
"""
INTERNAL = ("Traceback", "failed inside the sim", "Error handling request")
"""What the sim's stderr shows when a request hit a sim bug rather than a Binance rule."""


@dataclass
class Sim:
    url: str
    port: int
    proc: subprocess.Popen[str]
    log: Path
    """The sim's stderr (a file, so tests can read it while the sim runs)."""

    def stderr(self) -> str:
        """Everything the sim wrote to stderr so far (it is line-buffered)."""
        return self.log.read_text(encoding="utf-8")

    def stop(self) -> str:
        """SIGTERM, then everything the sim wrote to stderr."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        return self.stderr()


def _start(folder: Path) -> Iterator[Sim]:
    scenario = folder / "scenario.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    log = folder / "sim.err"
    cmd = [sys.executable, "-m", "botguard", "sim", "--port", "0", "--scenario", str(scenario)]
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        yield Sim(url, int(url.rsplit(":", 1)[1]), proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """One `botguard sim` process for the module: every test here only sends bad input."""
    yield from _start(tmp_path_factory.mktemp("sim"))


@pytest.fixture
def own_sim(tmp_path: Path) -> Iterator[Sim]:
    """A sim of the test's own, for tests that stop it."""
    yield from _start(tmp_path)


def _signed(params: dict[str, str]) -> str:
    query = urlencode({**params, "timestamp": str(int(time.time() * 1000))})
    signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


def _url(sim: Sim, path: str, params: dict[str, str]) -> URL:
    """Sent exactly as signed (aiohttp would otherwise re-quote what it thinks it may)."""
    return URL(f"{sim.url}{path}?{_signed(params)}", encoded=True)


async def _call(sim: Sim, method: str, path: str, params: dict[str, str], **kw: Any) -> Any:
    headers = {"X-MBX-APIKEY": KEY, **kw.pop("headers", {})}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, _url(sim, path, params), headers=headers, **kw) as r,
    ):
        return r.status, await r.json(content_type=None)


INT_RANGE = "legal range is '^[0-9]{1,20}$'"
BAD_PARAMS = [
    ("GET", "/api/v3/depth", {"symbol": "BTCUSDT", "limit": "abc"}, "limit"),
    ("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "-5"}, "limit"),
    ("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "limit": "1e3"}, "limit"),
    ("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "limit": "[1,"}, "limit"),
    ("GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "x"}, "limit"),
    ("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "ten"}, "leverage"),
    ("POST", "/fapi/v1/countdownCancelAll", {"symbol": "BTCUSDT", "countdownTime": "1.5"},
     "countdownTime"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "params", "name"), BAD_PARAMS)
async def test_a_malformed_parameter_is_minus_1100_not_an_unknown_error(
    sim: Sim, method: str, path: str, params: dict[str, str], name: str
) -> None:
    status, body = await _call(sim, method, path, params)
    err = sim.stderr()
    assert (status, body["code"]) == (400, -1100), body
    assert body["msg"] == f"Illegal characters found in parameter '{name}'; {INT_RANGE}."
    assert not [marker for marker in INTERNAL if marker in err], err


DECIMAL_RANGE = "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'"
ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
         "quantity": "0.01", "price": "60000"}  # fmt: skip


@pytest.mark.parametrize("path", ["/api/v3/order", "/fapi/v1/order"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("quantity", "1e999999"), ("quantity", "-1"), ("price", "1E+3"), ("price", " 5"),
     ("quantity", "NaN"), ("price", "1" * 21)],
)  # fmt: skip
async def test_a_malformed_decimal_is_minus_1100_with_binances_range(
    sim: Sim, path: str, name: str, value: str
) -> None:
    status, body = await _call(sim, "POST", path, {**ORDER, name: value})
    err = sim.stderr()
    assert (status, body["code"]) == (400, -1100), body
    assert body["msg"] == f"Illegal characters found in parameter '{name}'; {DECIMAL_RANGE}."
    assert not [marker for marker in INTERNAL if marker in err], err


@pytest.mark.parametrize("path", ["/api/v3/order", "/fapi/v1/order", "/fapi/v1/algoOrder"])
@pytest.mark.parametrize(
    ("name", "value", "filter_"),
    [("quantity", "9" * 20, "LOT_SIZE"), ("quantity", "9000000.001", "LOT_SIZE"),
     ("price", "9" * 20 + "." + "9" * 20, "PRICE_FILTER")],
)  # fmt: skip
async def test_an_absurd_but_well_formed_order_fails_the_advertised_filters(
    sim: Sim, path: str, name: str, value: str, filter_: str
) -> None:
    algo = {"algoType": "CONDITIONAL", "type": "STOP", "triggerPrice": "61000"}
    order = {**ORDER, **(algo if "algo" in path else {}), name: value}
    status, body = await _call(sim, "POST", path, order)
    err = sim.stderr()
    assert (status, body) == (400, {"code": -1013, "msg": f"Filter failure: {filter_}"})
    assert not [marker for marker in INTERNAL if marker in err], err


async def test_a_missing_parameter_is_minus_1102(sim: Sim) -> None:
    status, body = await _call(sim, "POST", "/api/v3/order", {"symbol": "BTCUSDT"})
    assert (status, body["code"]) == (400, -1102), body
    assert "was not sent, was empty/null, or malformed" in body["msg"]


async def test_a_body_that_is_not_utf8_is_minus_1100(sim: Sim) -> None:
    status, body = await _call(
        sim, "POST", "/fapi/v1/order", {}, data=b"\xff\xfe\xfd",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    err = sim.stderr()
    assert (status, body) == (
        400,
        {"code": -1100, "msg": "Illegal characters found in a parameter."},
    )
    assert not [marker for marker in INTERNAL if marker in err], err


NOT_PRICES = ["1e999999", "1E+5", " 5", "5_000", "-5", "0", "0.000", "NaN", "Infinity",
              "sNaN", "", "0x10", "1" * 16, "0." + "1" * 19, True, None, [1], {"p": 1},
              1e-300, 1e300]  # fmt: skip


@pytest.mark.parametrize("price", NOT_PRICES, ids=repr)
async def test_sim_prices_refuses_what_is_not_a_plain_positive_decimal(
    sim: Sim, price: object
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sim.url}/_sim/prices", json={"BTC/USDT": price}) as r:
            status, body = r.status, await r.json()
        async with session.get(f"{sim.url}/_sim/prices") as r:
            after = (await r.json())["BTC/USDT"]
    err = sim.stderr()
    assert status == 400
    assert "BTC/USDT: price must be a finite decimal > 0" in body["error"]
    assert after != str(price)
    assert not [marker for marker in INTERNAL if marker in err], err


@pytest.mark.parametrize("price", ["65000.5", 64999, 0.25, "0.000000000000000001"], ids=repr)
async def test_sim_prices_takes_plain_decimals_as_strings_or_numbers(
    sim: Sim, price: object
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sim.url}/_sim/prices", json={"BTC/USDT": price}) as r,
    ):
        status = r.status
    assert status == 200


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b"\xff\xfe", b"{not json", b"[1, 2]"],
    ids=["deep", "utf8", "json", "list"],
)
async def test_sim_prices_refuses_a_body_that_is_not_a_json_object(sim: Sim, body: bytes) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sim.url}/_sim/prices", data=body) as r,
    ):
        status = r.status
    err = sim.stderr()
    assert status == 400
    assert not [marker for marker in INTERNAL if marker in err], err


def _hang_up(port: int, request: bytes) -> None:
    """Send a request that promises more body than it sends, then disconnect."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        time.sleep(0.3)


@pytest.mark.parametrize("path", ["/api/v3/order", "/_sim/prices"])
def test_a_client_that_hangs_up_is_not_an_internal_error(own_sim: Sim, path: str) -> None:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
    _hang_up(own_sim.port, head.encode() + b"Content-Type: application/json\r\n\r\nsymbol=BTC")
    _hang_up(own_sim.port, b"GET /api/v3/time HTTP/1.1\r\nHost: x\r\n\r\n")
    err = own_sim.stop()
    assert own_sim.proc.returncode == 0
    assert not [marker for marker in INTERNAL if marker in err], err


FUZZ_PARAMS = ["symbol", "limit", "leverage", "countdownTime", "orderIdList", "batchOrders",
               "symbols", "quantity", "price", "stopPrice", "triggerPrice", "orderId",
               "origClientOrderId", "algoId", "startTime", "endTime", "interval", "amount",
               "recvWindow", "positionSide", "dualSidePosition", "marginType", "type", "side",
               "coin", "asset", "timeInForce", "reduceOnly", "closePosition",
               "quoteOrderQty"]  # fmt: skip
FUZZ_VALUES = ["abc", "-1", "1e999999", '[{"symbol":"BTCUSDT","quantity":"x"}]']


async def test_no_route_answers_a_garbage_parameter_with_an_internal_error(sim: Sim) -> None:
    """Every (method, path) the sim serves, every parameter it reads, four kinds of garbage."""
    from botguard.sim.routes import all_routes

    gate = asyncio.Semaphore(16)

    async def status(session: aiohttp.ClientSession, method: str, path: str, name: str,
                     value: str) -> tuple[int, str, str, str, str]:  # fmt: skip
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", name: value}
        async with gate, session.request(method, _url(sim, path, params)) as r:
            return r.status, method, path, name, value

    async with aiohttp.ClientSession(headers={"X-MBX-APIKEY": KEY}) as session:
        results = await asyncio.gather(*(
            status(session, method, path, name, value)
            for method, path in sorted(all_routes())
            for name in FUZZ_PARAMS
            for value in FUZZ_VALUES
        ))  # fmt: skip
    err = sim.stderr()
    assert [r for r in results if r[0] >= 500] == []
    assert not [marker for marker in INTERNAL if marker in err], err


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.from_regex(r"-?[0-9]{0,20}(\.[0-9]{0,25})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)  # fmt: skip


@given(st.dictionaries(st.sampled_from(["BTC/USDT", "ETH/USDT"]), _json_values))
def test_parse_prices_returns_plain_positive_decimals_or_says_why(body: dict[str, Any]) -> None:
    ex = SimServer(load_scenario(None)).ex
    try:
        prices = parse_prices(ex, body)
    except ValueError as exc:
        problem = str(exc)
    else:
        problem = ""
    if problem:
        assert "price must be a finite decimal > 0" in problem
        return
    for price in prices.values():
        assert price.is_finite()
        assert 0 < price < 10**15
        assert -price.as_tuple().exponent <= 18  # type: ignore[operator]
