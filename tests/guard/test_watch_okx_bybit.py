"""`botguard watch` on OKX and Bybit accounts, against the sim's OKX and Bybit dialects:
each poll re-arms the exchange's own dead man's switch, and a trip's kill ends flat."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botguard.config import parse_config
from botguard.guard.rules import Rule
from botguard.guard.watch import Watch
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim

pytestmark = pytest.mark.sim

LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "2", "entry_price": "20000"}


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def scenario(exchange: str, **account: Any) -> dict[str, Any]:
    return {
        "account": [{
            "name": "main", "exchange": exchange, "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
            "passphrase": CANARIES["BOTGUARD_CANARY_PASSWORD"],
            "futures": {"USDT": 100_000}, **account,
        }],
        "prices": {"BTC/USDT:USDT": 20_000, "BTC/USDT": 20_000},
    }  # fmt: skip


def config_for(tmp_path: Path, exchange: str, url: str, **guard: Any) -> Any:
    account = {
        "name": "main", "exchange": exchange, "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET", "markets": ["swap"], "base_url": url,
    }  # fmt: skip
    if exchange == "okx":
        account["password"] = "env:BOTGUARD_CANARY_PASSWORD"
    raw = {
        "bot": {"name": "gridbot", "client_id_prefix": "bg"},
        "state": {"dir": str(tmp_path / "state")}, "account": [account], "guard": guard,
    }  # fmt: skip
    return parse_config(raw, path=tmp_path / "botguard.toml")


async def step(config: Any) -> Any:
    watch = Watch(config)
    try:
        return await watch.step()
    finally:
        await watch.aclose()


@pytest.mark.parametrize(
    ("exchange", "timer", "path"),
    [
        ("okx", "okx:cancel-all-after", "/api/v5/trade/cancel-all-after"),
        ("bybit", "bybit:disconnected-cancel-all", "/v5/order/disconnected-cancel-all"),
    ],
)
async def test_dead_mans_switch_is_armed_each_poll(
    tmp_path: Path, exchange: str, timer: str, path: str
) -> None:
    async with start_sim(scenario(exchange)) as sim:
        config = config_for(tmp_path, exchange, sim.url, symbols=["BTC/USDT:USDT"],
                            dead_man_s=30)  # fmt: skip
        result = await step(config)
        countdowns = sim.state()["accounts"]["main"]["countdowns"]
        log = sim.log()
    assert result.trips == []
    assert result.exit_code == 0
    assert countdowns == [timer]
    assert [e["status"] for e in log if e["path"] == path] == [200]
    assert not any(e["unknown"] for e in log)


@pytest.mark.parametrize("exchange", ["okx", "bybit"])
async def test_position_outside_the_policy_trips_and_ends_flat(
    tmp_path: Path, exchange: str
) -> None:
    async with start_sim(scenario(exchange, positions=[LONG])) as sim:
        config = config_for(tmp_path, exchange, sim.url, max_position_notional=30_000)
        result = await step(config)
        account = sim.state()["accounts"]["main"]
    assert [t.rule for _, t in result.trips][:1] == [Rule.POSITION_NOTIONAL]
    assert [k.exit_code for k in result.kills] == [0]
    assert account["positions"] == []


@pytest.mark.parametrize("exchange", ["okx", "bybit"])
async def test_the_bots_own_fills_are_read_and_looked_up(tmp_path: Path, exchange: str) -> None:
    """A fill makes watch look its order up by id; Bybit's ccxt refuses that lookup unless
    told it only sees the last 500 orders, which once made every Bybit poll fail."""
    import ccxt.async_support as ccxt_async

    from botguard.venues.connect import rebase_urls

    async with start_sim(scenario(exchange)) as sim:
        bot = getattr(ccxt_async, exchange)({
            "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
            "password": CANARIES["BOTGUARD_CANARY_PASSWORD"],
        })  # fmt: skip
        bot.urls["api"] = rebase_urls(bot.urls["api"], sim.url)
        try:
            await bot.load_markets()
            size = 5 if exchange == "okx" else 0.05  # OKX: contracts of 0.01 BTC
            await bot.create_order("BTC/USDT:USDT", "market", "buy", size, None,
                                   {"clientOrderId": "bgfill1"})  # fmt: skip
        finally:
            await bot.close()
        config = config_for(tmp_path, exchange, sim.url, symbols=["BTC/USDT:USDT"])
        result = await step(config)
    assert result.exit_code == 0
    assert result.trips == []
