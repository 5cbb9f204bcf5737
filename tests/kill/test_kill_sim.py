"""The kill switch against botguard sim over real HTTP (unmodified ccxt binance)."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.kill import kill
from botguard.testing.sim import start_sim

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

SPOT_ORDERS = [
    {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"},
    {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9000"},
]


async def test_spot_and_futures_end_flat(tmp_path: Path) -> None:
    acct = sim_account(
        spot={"USDT": "10000", "BTC": "0.5", "ETH": "3"},
        orders=[*SPOT_ORDERS,
                {"symbol": "BTC/USDT:USDT", "side": "sell", "type": "stop_market",
                 "amount": "0.05", "trigger_price": "50000", "reduce_only": True}],
        positions=[{"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05",
                    "entry_price": "62000"}],
    )  # fmt: skip
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url)])
        report = await kill(config, halt=True)
        state = sim.state()["accounts"]["main"]
    assert report.exit_code == 0, report.summary()
    print(state)
