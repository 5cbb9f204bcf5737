"""Carry a KillPlan out: every cancel at once, then every close and sell at once.

Concurrency is per action across symbols (and across accounts, one task per account);
each venue bounds its own requests in flight. Orders carry a deterministic client id
(run, round, index): when a send fails in a way that may have landed (timeout, reset,
5xx) the order is looked up by that id before it is ever sent again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from botguard.errors import VenueError
from botguard.kill.plan import CancelOrders, ClosePosition, KillPlan, SellAsset
from botguard.kill.runlog import RunLog
from botguard.venues.base import Venue
from botguard.venues.errors import OrderNotFound, VenueAuthError, VenueUnavailable
from botguard.venues.types import Side

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3


@dataclass
class Outcome:
    """What one round did on one account."""

    cancelled: list[CancelOrders] = field(default_factory=list)
    closed: list[ClosePosition] = field(default_factory=list)
    sold: list[SellAsset] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unreachable: bool = False
    refused: bool = False
    """The key was refused (a permission it lacks): retrying cannot help."""


def client_id(prefix: str, run_id: str, round_no: int, index: int) -> str:
    """Deterministic per kill run, round and action; Binance allows 36 [A-Za-z0-9_-]."""
    return f"{prefix}k{run_id}r{round_no}n{index}"


async def _cancel(venue: Venue, action: CancelOrders, log: RunLog, out: Outcome) -> None:
    key = f"{action.account}:{action.symbol}:{'algo' if action.conditional else 'book'}"
    try:
        await venue.cancel_all(action.symbol, action.market, conditional=action.conditional)
    except OrderNotFound:
        pass  # nothing left to cancel: someone (a fill, an earlier run) got there first
    except VenueError as exc:
        out.errors.append(f"cancel {action.symbol}: {exc}")
        out.refused |= isinstance(exc, VenueAuthError)
        out.unreachable |= isinstance(exc, VenueUnavailable)
        log.step("cancel", key, "failed", {"error": str(exc)})
        return
    out.cancelled.append(action)
    log.step("cancel", key, "ok", {"symbol": action.symbol, "orders": action.count})


async def _send(venue: Venue, action: ClosePosition | SellAsset, cid: str) -> str:
    """Send once; after an ambiguous failure look the client id up before sending again."""
    for attempt in range(SEND_ATTEMPTS):
        try:
            if isinstance(action, ClosePosition):
                return await venue.close_position(
                    action.symbol, action.side, action.amount, cid, hedged=action.hedged
                )
            return await venue.sell(action.symbol, Side.SELL, action.amount, cid)
        except VenueUnavailable as exc:
            market = "swap" if isinstance(action, ClosePosition) else "spot"
            await asyncio.sleep(exc.retry_after_s or 0.2 * 2**attempt)
            found = await venue.order_by_client_id(action.symbol, market, cid)
            if found is not None:
                logger.info("%s landed despite %s; not re-sent", cid, exc)
                return found["id"]
            if attempt == SEND_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _trade(
    venue: Venue, action: ClosePosition | SellAsset, cid: str, log: RunLog, out: Outcome
) -> None:
    what = "close" if isinstance(action, ClosePosition) else "sell"
    detail: dict[str, Any] = {"symbol": action.symbol, "amount": str(action.amount)}
    log.step(what, cid, "sending", detail)
    try:
        order_id = await _send(venue, action, cid)
    except VenueError as exc:
        out.errors.append(f"{what} {action.symbol}: {exc}")
        out.refused |= isinstance(exc, VenueAuthError)
        out.unreachable |= isinstance(exc, VenueUnavailable)
        log.step(what, cid, "failed", {**detail, "error": str(exc)})
        return
    (out.closed if isinstance(action, ClosePosition) else out.sold).append(action)  # type: ignore[arg-type]
    log.step(what, cid, "ok", {**detail, "order_id": order_id})


async def execute_plan(
    venue: Venue, plan: KillPlan, log: RunLog, *, prefix: str, round_no: int
) -> Outcome:
    """Cancels first (they free the balances sells need), then closes and sells."""
    out = Outcome()
    await asyncio.gather(*(_cancel(venue, c, log, out) for c in plan.cancels))
    trades: list[ClosePosition | SellAsset] = [*plan.closes, *plan.sells]
    await asyncio.gather(
        *(
            _trade(venue, t, client_id(prefix, log.run_id, round_no, i), log, out)
            for i, t in enumerate(trades)
        )
    )
    return out
