"""`held` positions: products the sim lists no market for, answered only by the reads
that cover them (OKX account/positions without instType or with theirs; Bybit
position/list with their category and settleCoin). Raw endpoints of unmodified ccxt
over real HTTP, as botguard's venues read them.
"""

from __future__ import annotations

from typing import Any

import pytest

from botguard.errors import ConfigError
from botguard.sim.scenario import load_scenario
from botguard.testing.sim import start_sim

from . import bybit_helpers, okx_helpers

pytestmark = pytest.mark.sim

LONG = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"}
FUTURE = {"product": "okx:FUTURES", "instrument": "BTC-USD-261225", "side": "short",
          "amount": "4"}  # fmt: skip
INVERSE = {"product": "bybit:inverse:BTC", "instrument": "BTCUSD", "side": "long",
           "amount": "100"}  # fmt: skip
USDC = {"product": "bybit:linear:USDC", "instrument": "BTCPERP", "side": "long", "amount": "1"}


def ids(rows: list[dict[str, Any]], key: str) -> set[str]:
    return {str(r[key]) for r in rows}


async def test_okx_futures_answered_without_instType_or_with_its_own() -> None:
    acct = okx_helpers.okx_account(positions=[LONG], held=[FUTURE])
    async with start_sim({"account": [acct]}) as sim, okx_helpers.opened(sim.url) as ex:
        every = (await ex.private_get_account_positions({}))["data"]
        swaps = (await ex.private_get_account_positions({"instType": "SWAP"}))["data"]
        futures = (await ex.private_get_account_positions({"instType": "FUTURES"}))["data"]
    assert ids(every, "instId") == {"BTC-USDT-SWAP", "BTC-USD-261225"}
    assert ids(swaps, "instId") == {"BTC-USDT-SWAP"}
    assert [(r["instType"], r["pos"]) for r in futures] == [("FUTURES", "-4")]


async def test_bybit_inverse_and_usdc_answered_by_their_own_reads_only() -> None:
    acct = bybit_helpers.bybit_account(positions=[LONG], held=[INVERSE, USDC])
    async with start_sim({"account": [acct]}) as sim, bybit_helpers.opened(sim.url) as ex:

        async def listed(category: str, settle: str) -> set[str]:
            query = {"category": category, "settleCoin": settle}
            return ids((await ex.private_get_v5_position_list(query))["result"]["list"], "symbol")

        usdt, usdc = await listed("linear", "USDT"), await listed("linear", "USDC")
        inverse = await listed("inverse", "BTC")
        orders = await ex.private_get_v5_order_realtime(
            {"category": "inverse", "settleCoin": "BTC"}
        )
    assert (usdt, usdc, inverse) == ({"BTCUSDT"}, {"BTCPERP"}, {"BTCUSD"})
    assert orders["result"]["list"] == []


def test_held_product_must_be_a_known_one() -> None:
    acct = okx_helpers.okx_account(held=[{**FUTURE, "product": "okx:SPOT"}])
    with pytest.raises(ConfigError, match=r"held\[0\]\.product"):
        load_scenario({"account": [acct]})
