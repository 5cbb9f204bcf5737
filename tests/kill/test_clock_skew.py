"""A host clock off from the exchange's: the kill still kills, and never calls it flat unread.

Every exchange refuses a signed request whose timestamp is off its own clock (Binance
-1021 past `recvWindow` or 1 s ahead, OKX 50102 past 30 s, Bybit 10002 past its
recv_window; notes/ccxt.md 5, "InvalidNonce"). A VPS whose NTP died can be minutes off:
the kill must not spend its whole deadline refused. The host's clock cannot be moved
here, so ccxt's own clock (`BaseExchange.milliseconds`, which signs every request and
nothing else) is shifted; the sim keeps the true time. Unmodified ccxt over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from botguard.kill import kill
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


@pytest.fixture(params=[-45_000, 45_000], ids=["host-behind", "host-ahead"])
def skewed_host(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], None]:
    """ccxt signs with a clock 45 s off the true (the sim's) time: a mock of the host
    clock, which a test cannot move. Returns the undo, for reading the books back."""
    from ccxt.base.exchange import BaseExchange

    skew: int = request.param
    real = BaseExchange.milliseconds
    monkeypatch.setattr(BaseExchange, "milliseconds", staticmethod(lambda: real() + skew))
    return lambda: setattr(BaseExchange, "milliseconds", staticmethod(real))


@pytest.mark.parametrize("exchange", list(EXCHANGES))
async def test_a_host_clock_off_the_exchanges_still_ends_flat(
    tmp_path: Path, exchange: str, skewed_host: Callable[[], None]
) -> None:
    account, bg = EXCHANGES[exchange]
    async with start_sim({"account": [account()]}) as sim:
        report = await kill(make_config(tmp_path, [bg(sim.url)]))
        skewed_host()  # the books are read back with the true time
        if exchange == "binance":
            binance.assert_flat(sim.state()["accounts"]["main"])
        elif exchange == "okx":
            okx.assert_flat(await okx.ccxt_view(sim.url))
        else:
            bybit.assert_flat(await bybit.ccxt_view(sim.url))
        refused = [e for e in sim.log() if e.get("code") in (-1021, "50102", 10002)]
    assert refused  # the skew was real: the exchange refused the first signed requests
    assert report.exit_code == 0, report.summary()
