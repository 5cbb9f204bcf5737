"""A kill never ends "flat" while a product the venue does not close holds a position.

OKX answers dated FUTURES and MARGIN positions only to a positions read without
`instType=SWAP`; Bybit answers USDC-settled linear contracts only to `settleCoin=USDC`
and inverse contracts only to `category=inverse`. The sim holds such positions as
`held` (it lists no market for them and cannot close them), so a kill that reads them
must end residual or unverified (exit 1) and name them. Unmodified ccxt over real HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botguard.journal import Journal
from botguard.kill import kill
from botguard.testing.sim import start_sim

from .conftest import make_config
from .test_bybit_kill import LONG as BYBIT_LONG
from .test_bybit_kill import bybit_bg, bybit_sim
from .test_okx_kill import LONG as OKX_LONG
from .test_okx_kill import okx_bg, okx_sim

pytestmark = pytest.mark.sim


def held(product: str, instrument: str, amount: str = "3") -> dict[str, Any]:
    return {"product": product, "instrument": instrument, "side": "long", "amount": amount}


async def run_kill(acct: dict[str, Any], bg: Any, tmp_path: Path) -> tuple[Any, str]:
    """The kill's report and the journal's status for the one account; the USDT swap
    it can close is closed all the same (the sim's own books say so)."""
    async with start_sim({"account": [acct]}) as sim:
        config = make_config(tmp_path, [bg(sim.url, markets=["swap"])])
        report = await kill(config)
        state = sim.state()["accounts"]["main"]
    assert state["positions"] == []
    with Journal(config.state.dir) as journal:
        (run,) = journal.runs("kill")
    return report, run.status


@pytest.mark.parametrize(
    ("product", "instrument"),
    [("okx:FUTURES", "BTC-USD-261225"), ("okx:MARGIN", "BTC-USDT")],
)
async def test_okx_position_outside_swaps_is_never_flat(
    tmp_path: Path, product: str, instrument: str
) -> None:
    acct = okx_sim(positions=[OKX_LONG], held=[held(product, instrument)])
    report, status = await run_kill(acct, okx_bg, tmp_path)
    assert report.exit_code == 1, report.summary()
    assert status != "flat"
    (result,) = report.accounts
    assert any(instrument in note for note in result.notes), result.notes


@pytest.mark.parametrize(
    ("product", "instrument"),
    [("bybit:linear:USDC", "BTCPERP"), ("bybit:inverse:BTC", "BTCUSD")],
)
async def test_bybit_position_outside_usdt_perps_is_never_flat(
    tmp_path: Path, product: str, instrument: str
) -> None:
    acct = bybit_sim(positions=[BYBIT_LONG], held=[held(product, instrument)],
                     spot={"USDT": "1000", "BTC": "0.1"})  # fmt: skip
    report, status = await run_kill(acct, bybit_bg, tmp_path)
    assert report.exit_code == 1, report.summary()
    assert status != "flat"
    (result,) = report.accounts
    assert any(instrument in note for note in result.notes), result.notes
