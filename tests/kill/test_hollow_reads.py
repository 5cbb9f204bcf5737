"""A 200 answer with no list in it is not "nothing open": the kill never reads it as flat.

The sim's `hollow` fault answers a read with HTTP 200 in the exchange's success envelope
and no list in it (Binance `{}`, OKX `{"code": "0"}` without `data`, Bybit `retCode` 0
with an empty `result`), as a degraded gateway or cache may. ccxt parses each of these as
an empty list, so a kill that trusts it would report an account flat with its orders,
positions or coins still there. Unmodified ccxt over HTTP against `botguard sim`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from botguard.kill import kill
from botguard.kill.verify import AccountStatus
from botguard.testing.sim import start_sim

from . import test_bybit_kill as bybit
from . import test_kill_sim as binance
from . import test_okx_kill as okx
from .conftest import bg_account, make_config

pytestmark = pytest.mark.sim

Builders = tuple[Callable[..., dict[str, Any]], Callable[..., dict[str, Any]]]
EXCHANGES: dict[str, Builders] = {
    "binance": (binance.full_account, bg_account),
    "okx": (okx.full_okx, okx.okx_bg),
    "bybit": (bybit.full_bybit, bybit.bybit_bg),
}
READS = [
    ("binance", "GET /api/v3/openOrders"),
    ("binance", "GET /fapi/v1/openOrders"),
    ("binance", "GET /fapi/v1/openAlgoOrders"),
    ("binance", "GET /fapi/v3/positionRisk"),
    ("binance", "GET /api/v3/account"),
    ("okx", "GET /api/v5/trade/orders-pending"),
    ("okx", "GET /api/v5/trade/orders-algo-pending"),
    ("okx", "GET /api/v5/account/positions"),
    ("okx", "GET /api/v5/account/balance"),
    ("bybit", "GET /v5/order/realtime"),
    ("bybit", "GET /v5/position/list"),
    ("bybit", "GET /v5/account/wallet-balance"),
]
IDS = [f"{exchange}-{read.split()[1]}" for exchange, read in READS]


@pytest.mark.parametrize(("exchange", "read"), READS, ids=IDS)
async def test_a_read_that_always_answers_hollow_is_never_flat(
    tmp_path: Path, exchange: str, read: str
) -> None:
    account, bg = EXCHANGES[exchange]
    async with start_sim({"account": [account()]}, faults=f"{read}:hollow") as sim:
        report = await kill(make_config(tmp_path, [bg(sim.url)], deadline_s=3))
        log = sim.log()
    assert any(e["fault"] == "hollow" for e in log)
    [result] = report.accounts
    assert result.status is AccountStatus.UNREACHABLE, report.summary()
    assert report.exit_code == 3


@pytest.mark.parametrize(("exchange", "read"), READS, ids=IDS)
async def test_one_hollow_answer_is_read_again(tmp_path: Path, exchange: str, read: str) -> None:
    """The first read of each book is hollow: it is read again, and the kill ends flat
    with every book really empty (read back with ccxt)."""
    account, bg = EXCHANGES[exchange]
    async with start_sim({"account": [account()]}, faults=f"{read}:n=1:hollow") as sim:
        report = await kill(make_config(tmp_path, [bg(sim.url)]))
        if exchange == "binance":
            binance.assert_flat(sim.state()["accounts"]["main"])
        elif exchange == "okx":
            okx.assert_flat(await okx.ccxt_view(sim.url))
        else:
            bybit.assert_flat(await bybit.ccxt_view(sim.url))
    assert report.exit_code == 0, report.summary()


TRY_LATER = [
    ("binance", "GET /fapi/v3/positionRisk", "500"),  # -1001: internal error, try again
    ("okx", "GET /api/v5/account/positions", "maintenance"),  # 50001: unavailable, try later
    ("bybit", "GET /v5/order/realtime", "500"),  # 10016: server error
]


@pytest.mark.parametrize(("exchange", "read", "kind"), TRY_LATER, ids=[t[0] for t in TRY_LATER])
async def test_a_read_that_always_says_try_later_is_never_flat(
    tmp_path: Path, exchange: str, read: str, kind: str
) -> None:
    """The exchange's own "try again later" on every verification read: retried to the
    deadline, then unreachable (exit 3), never read as an empty book."""
    account, bg = EXCHANGES[exchange]
    async with start_sim({"account": [account()]}, faults=f"{read}:{kind}") as sim:
        report = await kill(make_config(tmp_path, [bg(sim.url)], deadline_s=3))
    [result] = report.accounts
    assert result.status is AccountStatus.UNREACHABLE, report.summary()
    assert report.exit_code == 3
