"""Orders a dead kill sent and never heard back from: looked up before the bot's share is counted.

A kill that dies between "sending" a sell or close and its answer leaves an order of
unknown fate, which may land after the process is gone (a late answer is not a lost
order). A resumed `flatten = "bot"` kill that ignored it would sell the bot's share a
second time, out of the user's coins. So each such order is looked up by its client id
once its landing window has passed, and journaled with what it filled ("ok") or as
never landed ("failed"), before `ShareRead.minus_journaled` counts the journal. An order
that cannot be looked up attributes nothing: the account is reported unverified.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from botguard.errors import VenueError
from botguard.kill.botshare import ShareRead, steps_since
from botguard.kill.runlog import RunClock, RunLog
from botguard.venues.base import Venue

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InFlight:
    """A sell or close journaled as "sending" with no answer after it."""

    action: str
    """"sell" or "close"."""
    cid: str
    sent_at: datetime
    detail: dict[str, Any]

    @property
    def market(self) -> str:
        """Where to look it up: sells are spot, closes derivatives."""
        return "spot" if self.action == "sell" else "swap"


def in_flight(run_log: RunLog, account: str, since: datetime) -> list[InFlight]:
    """This account's sends whose last journaled word is "sending"."""
    last: dict[str, dict[str, Any]] = {}
    for step in steps_since(run_log.journal, account, since, statuses=("sending", "ok", "failed")):
        if step["action"] in ("sell", "close"):
            last[step["key"]] = step
    return [
        InFlight(s["action"], key, datetime.fromisoformat(s["at"]), s["detail"])
        for key, s in last.items()
        if s["status"] == "sending"
    ]


async def resolve_in_flight(
    share: ShareRead, venue: Venue, log: RunLog, *, since: datetime | None, clock: RunClock
) -> ShareRead:
    """`share` once every order a dead run left in flight on this account is journaled
    with its fate; unattributed if one cannot be looked up."""
    if share.share is None or since is None:
        return share
    for order in in_flight(log, venue.account, since):
        fate = await _fate(order, venue, clock)
        if fate is None:
            why = f"an order sent before the kill died ({order.cid}) could not be looked up"
            return replace(share, share=None, unattributed=f'flatten = "bot": {why}')
        status = "ok" if fate > 0 else "failed"
        detail = {**order.detail, "amount": str(fate), "via": "lookup after a resume"}
        log.step(order.action, order.cid, status, detail)
    return share


async def _fate(order: InFlight, venue: Venue, clock: RunClock) -> Decimal | None:
    """What `order` filled (0: it never landed), once its landing window has passed;
    None when the exchange could not say."""
    age = (datetime.now(UTC) - order.sent_at).total_seconds()
    wait = venue.quirks.landing_window_s - age
    if wait >= clock.remaining():  # "not found" before the window ends proves nothing
        return None
    if wait > 0:
        await clock.sleep(wait)
    symbol = str(order.detail.get("symbol"))
    try:
        found = await venue.order_by_client_id(symbol, order.market, order.cid)
        return Decimal(found.filled) if found is not None else Decimal(0)
    except (VenueError, InvalidOperation) as exc:
        logger.warning("%s: lookup of %s failed: %s", venue.account, order.cid, exc)
        return None
