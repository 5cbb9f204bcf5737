"""No doubled close, ever (issue 11, item 7), against botguard sim in hedge mode.

The sim's `late` fault holds the close batch until the kill's request has timed out,
then processes it a second later: the answer is lost and the orders land late, while
a lookup by client id in between says "not found". A resend then would close every
position twice. In hedge mode Binance refuses a close beyond its position (-2022), so
the sim does too: a doubled close shows in the sim's log as a -2022 answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botguard.journal import Journal
from botguard.kill import kill
from botguard.testing.sim import start_sim

from .conftest import bg_account, make_config, sim_account

pytestmark = pytest.mark.sim

BATCH = "/fapi/v1/batchOrders"
HEDGED = [
    {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "62000"},
    {"symbol": "BTC/USDT:USDT", "side": "short", "amount": "0.02", "entry_price": "62000"},
    {"symbol": "ETH/USDT:USDT", "side": "long", "amount": "1.5", "entry_price": "3000"},
    {"symbol": "ETH/USDT:USDT", "side": "short", "amount": "1", "entry_price": "3000"},
]


def order_answers(log: list[dict[str, Any]]) -> list[tuple[str, int, Any]]:
    return [
        (e["path"], e["status"], e["code"])
        for e in log
        if e["method"] == "POST" and e["path"] in (BATCH, "/fapi/v1/order")
    ]


async def test_a_late_close_in_hedge_mode_is_never_sent_twice(tmp_path: Path) -> None:
    acct = sim_account(positions=HEDGED, position_mode="hedge")
    async with start_sim({"account": [acct]}, faults=f"POST {BATCH}:n=1:late") as sim:
        # deadline 12 s: each request may take 3 s, so the late batch times out at 3 s
        # and lands at 4 s, inside Binance's 5 s recvWindow
        config = make_config(
            tmp_path, [bg_account(sim.url, exchange="binanceusdm", markets=["swap"])],
            deadline_s=12,
        )  # fmt: skip
        report = await kill(config, halt=False)
        state = sim.state()["accounts"]["main"]
        log = sim.log()
    assert state["positions"] == [], state["positions"]
    assert state["trades"] == len(HEDGED)  # each position closed by exactly one fill
    answers = order_answers(log)
    assert [a[0] for a in answers].count(BATCH) == 1  # the late batch; nothing after it
    assert not any(code == -2022 for _, _, code in answers)  # no close beyond a position
    assert [a for a in answers if a[0] == "/fapi/v1/order"] == []  # never re-sent alone
    assert report.exit_code == 0, report.summary()
    with Journal(config.state.dir) as journal:
        steps = [s for s in journal.steps(report.run_id) if s["action"] == "close"]
    vias = sorted(s["detail"]["via"] for s in steps if s["status"] == "ok")
    assert vias == ["lookup"] * len(HEDGED)  # found landed after its landing window


async def test_the_sim_refuses_a_hedge_close_beyond_the_position_like_binance(
    tmp_path: Path,
) -> None:
    """Binance answers -2022 to a SELL LONG larger than the long (ccxt issue #8304); the
    sim used to open a new long instead."""
    import ccxt.async_support as ccxt_async

    from botguard.venues.connect import rebase_urls

    acct = sim_account(positions=HEDGED[1:2], position_mode="hedge")  # a short, no long
    async with start_sim({"account": [acct]}) as sim:
        ex = ccxt_async.binanceusdm(
            {"apiKey": acct["api_key"], "secret": acct["secret"], "enableRateLimit": False,
             "options": {"fetchCurrencies": False}}
        )  # fmt: skip
        ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
        try:
            with pytest.raises(ccxt_async.ExchangeError, match="-2022"):
                await ex.create_order(
                    "BTC/USDT:USDT", "market", "sell", 0.01, None, {"positionSide": "LONG"}
                )
        finally:
            await ex.close()
        state = sim.state()["accounts"]["main"]
    assert [p["positionSide"] for p in state["positions"]] == ["SHORT"]  # no long opened
