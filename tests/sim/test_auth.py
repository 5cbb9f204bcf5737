"""Authentication failures answer with Binance's codes, so ccxt raises its live classes."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async
import pytest
from ccxt.base.errors import AuthenticationError, DDoSProtection, InvalidNonce

from botguard.testing.sim import start_sim

from .conftest import KEY, LEAN, SECRET, account, exchange, scenario

pytestmark = pytest.mark.sim


def last(sim: Any) -> dict[str, Any]:
    entry: dict[str, Any] = sim.log()[-1]
    return entry


async def expect(ex: Any, call: str, error: type[Exception], *args: Any) -> None:
    try:
        with pytest.raises(error) as caught:
            await getattr(ex, call)(*args)
        assert type(caught.value) is error  # not merely a subclass
    finally:
        await ex.close()


@pytest.mark.parametrize(
    ("key", "secret", "code", "reason"),
    [
        ("nobody-key", SECRET, -2015, "unknown API key"),
        ("bad key!", SECRET, -2014, "API-key format invalid."),
        (KEY, "wrong-secret", -1022, "Signature for this request is not valid."),
    ],
)
async def test_bad_credentials(key: str, secret: str, code: int, reason: str) -> None:
    async with start_sim(scenario()) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, key=key, secret=secret, options=LEAN)
        await expect(ex, "fetch_balance", AuthenticationError)
        entry = last(sim)
    assert (entry["status"], entry["code"], entry["reason"]) == (
        400 if code == -1022 else 401,
        code,
        reason,
    )
    assert entry["key"] == ("main" if key == KEY else None)  # the account name, never the key


async def test_stale_timestamp_is_an_invalid_nonce() -> None:
    async with start_sim(scenario()) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options={**LEAN, "recvWindow": 5000})
        ex.nonce = lambda: ex.milliseconds() - 6_000  # a clock six seconds slow
        await expect(ex, "fetch_balance", InvalidNonce)
        assert (last(sim)["status"], last(sim)["code"]) == (400, -1021)
        fast = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        fast.nonce = lambda: fast.milliseconds() + 3_000  # ahead of the server
        await expect(fast, "fetch_balance", InvalidNonce)


async def test_ip_not_in_whitelist() -> None:
    async with start_sim(scenario(account(ip_whitelist=["10.1.2.3"]))) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        await expect(ex, "fetch_balance", AuthenticationError)
        assert last(sim)["reason"] == "IP 127.0.0.1 is not in the key's whitelist"
        # exchangeInfo (1) + the refused account read (5): refusals cost weight too
        assert ex.last_response_headers["X-MBX-USED-WEIGHT-1M"] == "6"
    async with start_sim(scenario(account(ip_whitelist=["127.0.0.1"]))) as sim:
        ex = exchange(ccxt_async.binanceusdm, sim.url, options=LEAN)
        try:
            assert (await ex.fetch_balance())["USDT"]["total"] == 50_000
        finally:
            await ex.close()


@pytest.mark.parametrize(
    ("cls", "symbol", "permission"),
    [
        (ccxt_async.binance, "BTC/USDT", "spot"),
        (ccxt_async.binanceusdm, "BTC/USDT:USDT", "futures"),
    ],
)
async def test_trading_permission_missing(cls: Any, symbol: str, permission: str) -> None:
    read_only = account(permissions={permission: False})
    async with start_sim(scenario(read_only)) as sim:
        ex = exchange(cls, sim.url, options=LEAN)
        await ex.load_markets()
        await expect(ex, "create_order", AuthenticationError, symbol, "market", "buy", 0.01)
        assert last(sim)["reason"] == f"key lacks the {permission} permission"
        assert last(sim)["key"] == "main"


async def test_ccxt_reports_minus_2015_as_ddos_after_a_successful_private_call() -> None:
    """ccxt quirk, same against Binance: once a spot private call succeeded, -2015 reads as
    a temporary ban. Kill-switch code must not retry this as if it were a network error."""
    async with start_sim(scenario(account(permissions={"spot": False}))) as sim:
        ex = exchange(ccxt_async.binance, sim.url, options=LEAN)
        await ex.load_markets()
        await ex.fetch_balance()
        await expect(ex, "create_order", DDoSProtection, "BTC/USDT", "market", "buy", 0.01)
        assert last(sim)["code"] == -2015
