"""Carry a KillPlan out: every cancel at once, then every close and sell at once.

Concurrency is per action across symbols (and across accounts, one task per account);
each venue bounds its own requests in flight. Closes go to the venue together, which
batches them where the exchange allows (Binance: 5 a request); sells go one by one.
Orders carry a deterministic client id (run, round, index): when a send fails in a way
that may have landed (timeout, reset, 5xx) the order is looked up by that id before it
is ever sent again; a close its batch refused is retried on its own.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from botguard.errors import VenueError
from botguard.kill.plan import CancelOrders, ClosePosition, KillPlan, SellAsset
from botguard.kill.runlog import RunLog
from botguard.venues.base import CloseRequest, CloseResult, Venue
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


def _failed(what: str, action: ClosePosition | SellAsset, exc: VenueError, out: Outcome) -> None:
    out.errors.append(f"{what} {action.symbol}: {exc}")
    out.refused |= isinstance(exc, VenueAuthError)
    out.unreachable |= isinstance(exc, VenueUnavailable)


async def _sell(venue: Venue, action: SellAsset, cid: str, log: RunLog, out: Outcome) -> None:
    detail: dict[str, Any] = {"symbol": action.symbol, "amount": str(action.amount)}
    log.step("sell", cid, "sending", detail)
    try:
        order_id = await _send(venue, action, cid)
    except VenueError as exc:
        _failed("sell", action, exc, out)
        log.step("sell", cid, "failed", {**detail, "error": str(exc)})
        return
    out.sold.append(action)
    log.step("sell", cid, "ok", {**detail, "order_id": order_id})


async def _after_batch(
    venue: Venue, action: ClosePosition, cid: str, error: VenueError
) -> tuple[str, str]:
    """A close its batch did not place: look it up if the answer was lost, else resend alone.

    Returns the order id and how it was settled ("lookup" or "single"), for the journal.
    """
    if isinstance(error, VenueAuthError):
        raise error  # the key may not do this: a resend cannot help
    if isinstance(error, VenueUnavailable):  # it may have landed: never resend blind
        await asyncio.sleep(error.retry_after_s or 0.2)
        found = await venue.order_by_client_id(action.symbol, "swap", cid)
        if found is not None:
            logger.info("%s landed despite %s; not re-sent", cid, error)
            return found["id"], "lookup"
    logger.info("%s not placed by its batch (%s); sending it alone", cid, error)
    return await _send(venue, action, cid), "single"


async def _settle_close(
    venue: Venue, action: ClosePosition, result: CloseResult, log: RunLog, out: Outcome
) -> None:
    """Journal one close of a batch, first resolving it if the batch did not place it."""
    cid = result.client_id
    detail: dict[str, Any] = {"symbol": action.symbol, "amount": str(action.amount)}
    order_id, via = result.order_id, "batch"
    if result.error is not None:
        log.step("close", cid, "retrying", {**detail, "error": str(result.error)})
        try:
            order_id, via = await _after_batch(venue, action, cid, result.error)
        except VenueError as exc:
            _failed("close", action, exc, out)
            log.step("close", cid, "failed", {**detail, "error": str(exc)})
            return
    out.closed.append(action)
    log.step("close", cid, "ok", {**detail, "order_id": order_id, "via": via})


async def _close_all(
    venue: Venue, closes: list[tuple[ClosePosition, str]], log: RunLog, out: Outcome
) -> None:
    """Every close in one venue call (batched there), then each one settled on its own."""
    if not closes:
        return
    for action, cid in closes:
        log.step("close", cid, "sending", {"symbol": action.symbol, "amount": str(action.amount)})
    results = await venue.close_positions(
        [CloseRequest(a.symbol, a.side, a.amount, cid, a.hedged) for a, cid in closes]
    )
    await asyncio.gather(
        *(
            _settle_close(venue, action, result, log, out)
            for (action, _), result in zip(closes, results, strict=True)
        )
    )


async def execute_plan(
    venue: Venue, plan: KillPlan, log: RunLog, *, prefix: str, round_no: int
) -> Outcome:
    """Cancels first (they free the balances sells need), then closes and sells at once."""
    out = Outcome()
    await asyncio.gather(*(_cancel(venue, c, log, out) for c in plan.cancels))
    cids = [
        client_id(prefix, log.run_id, round_no, i)
        for i in range(len(plan.closes) + len(plan.sells))
    ]
    closes = list(zip(plan.closes, cids, strict=False))
    sells = zip(plan.sells, cids[len(plan.closes) :], strict=True)
    await asyncio.gather(
        _close_all(venue, closes, log, out),
        *(_sell(venue, action, cid, log, out) for action, cid in sells),
    )
    return out
