"""`botguard drill` on OKX and Bybit accounts: the live account (a sim here) is only read,
the drill's own sim speaks the same exchange, sized in that exchange's units."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.journal import Journal
from botguard.kill.drill import run_drill
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim

from . import test_bybit_kill as bybit
from . import test_okx_kill as okx
from .conftest import make_config

pytestmark = pytest.mark.sim


@pytest.mark.parametrize("exchange", ["okx", "bybit"])
async def test_drill_from_live_okx_and_bybit_exposure(tmp_path: Path, exchange: str) -> None:
    live_account = okx.full_okx() if exchange == "okx" else bybit.full_bybit()
    async with start_sim({"account": [live_account]}) as live:
        before = live.state()["accounts"]
        bg = okx.okx_bg(live.url) if exchange == "okx" else bybit.bybit_bg(live.url)
        config = make_config(tmp_path, [bg])
        report = await run_drill(config, None)
        methods = {e["method"] for e in live.log()}
        after = live.state()["accounts"]
    assert methods == {"GET"}  # the live account was only read
    assert before == after
    assert report.exit_code == 0, report.summary()
    (result,) = report.accounts
    assert len(result.done.closed) == 2
    closed = {c.symbol: c.amount for c in result.done.closed}
    if exchange == "okx":  # contracts of ctVal 0.01 BTC / 0.1 ETH, as on the live account
        assert closed == {"BTC/USDT:USDT": 5, "ETH/USDT:USDT": 15}
    with Journal(config.state.dir) as journal:
        (run,) = journal.runs("drill")
    assert run.status == "flat"
    assert CANARIES["BOTGUARD_CANARY_PASSWORD"] not in str(run.summary)
