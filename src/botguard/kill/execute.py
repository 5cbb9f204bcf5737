"""Carry a KillPlan out: every cancel at once, then every close and sell at once.

Concurrency is per action across symbols (and across accounts, one task per account);
each venue bounds its own requests in flight. Closes go to the venue together, which
batches them where the exchange allows (Binance: 5 a request); sells go one by one.
Orders carry a deterministic client id (run, round, index). Nothing is ever re-sent
within a round: a send that failed in a way that may still land (timeout, reset, 5xx)
is looked up by its client id, then, if not found, again once it can no longer land
(the venue's `landing_window_s` after the failure: a late answer is not a lost order).
Whatever is still open is planned again by the next round, from a fresh read of the
account, so a close can never land twice (issue 11, item 7).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from botguard.errors import VenueError
from botguard.kill.plan import CancelOrders, ClosePosition, KillPlan, SellAsset
from botguard.kill.runlog import RunClock, RunLog
from botguard.venues.base import CloseRequest, CloseResult, Venue
from botguard.venues.errors import OrderNotFound, VenueAuthError, VenueUnavailable
from botguard.venues.types import LandedOrder, Side

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class _Round:
    """One round on one account: where it sends, journals, records, and whose time it keeps."""

    venue: Venue
    log: RunLog
    out: Outcome
    clock: RunClock
    """The run's clock: waits for a lost answer to land are cut to its deadline."""


async def _cancel(r: _Round, action: CancelOrders) -> None:
    key = f"{action.account}:{action.symbol}:{'algo' if action.conditional else 'book'}"
    try:
        await r.venue.cancel_all(action.symbol, action.market, conditional=action.conditional)
    except OrderNotFound:
        pass  # nothing left to cancel: someone (a fill, an earlier run) got there first
    except VenueError as exc:
        r.out.errors.append(f"cancel {action.symbol}: {exc}")
        r.out.refused |= isinstance(exc, VenueAuthError)
        r.out.unreachable |= isinstance(exc, VenueUnavailable)
        r.log.step("cancel", key, "failed", {"error": str(exc)})
        return
    r.out.cancelled.append(action)
    r.log.step("cancel", key, "ok", {"symbol": action.symbol, "orders": action.count})


async def _send(r: _Round, action: ClosePosition | SellAsset, cid: str) -> str:
    """Send once; after an ambiguous failure, find out whether it landed (never resend)."""
    try:
        if isinstance(action, ClosePosition):
            return await r.venue.close_position(
                action.symbol, action.side, action.amount, cid, hedged=action.hedged
            )
        return await r.venue.sell(action.symbol, Side.SELL, action.amount, cid)
    except VenueUnavailable as exc:
        if exc.not_taken:  # rate-limit refusal: it cannot land, nothing to wait for
            raise
        return await _landed(r, action, cid, exc, failed_at=r.clock.now())


async def _landed(
    r: _Round, action: ClosePosition | SellAsset, cid: str, error: VenueError, *,
    failed_at: float,
) -> str:  # fmt: skip
    """The order id if a send whose answer was lost landed after all; else `error`.

    Looked up at once, and if not found, again once the venue's landing window has
    passed (or the run's deadline, whichever comes first): a lookup during the window
    can say "not found" while the first request is still on its way (late answers in
    hedge mode closed every position twice).
    """
    market = "swap" if isinstance(action, ClosePosition) else "spot"
    found = await lookup(r.venue, action.symbol, market, cid)
    if found is None:
        await r.clock.sleep(failed_at + r.venue.quirks.landing_window_s - r.clock.now())
        found = await lookup(r.venue, action.symbol, market, cid)
    if found is None:
        raise error
    logger.info("%s landed despite %s; not re-sent", cid, error)
    return found.id


async def lookup(venue: Venue, symbol: str, market: str, cid: str) -> LandedOrder | None:
    """The order by client id; a lookup that itself fails counts as "not known yet"."""
    try:
        return await venue.order_by_client_id(symbol, market, cid)
    except VenueError as exc:
        logger.info("lookup of %s failed: %s", cid, exc)
        return None


def _failed(what: str, action: ClosePosition | SellAsset, exc: VenueError, out: Outcome) -> None:
    out.errors.append(f"{what} {action.symbol}: {exc}")
    out.refused |= isinstance(exc, VenueAuthError)
    out.unreachable |= isinstance(exc, VenueUnavailable)


async def _sell(r: _Round, action: SellAsset, cid: str) -> None:
    detail: dict[str, Any] = {"symbol": action.symbol, "amount": str(action.amount),
                              "account": action.account, "asset": action.asset}  # fmt: skip
    r.log.step("sell", cid, "sending", detail)
    try:
        order_id = await _send(r, action, cid)
    except VenueError as exc:
        _failed("sell", action, exc, r.out)
        r.log.step("sell", cid, "failed", {**detail, "error": str(exc)})
        return
    r.out.sold.append(action)
    r.log.step("sell", cid, "ok", {**detail, "order_id": order_id})


async def _after_batch(
    r: _Round, action: ClosePosition, cid: str, error: VenueError, *, failed_at: float
) -> tuple[str, str]:
    """A close its batch did not confirm: if the answer was lost, find out whether it
    landed. Never resent here: the next round re-reads the positions and plans again.

    Returns the order id and how it was settled ("lookup"), for the journal.
    """
    if not isinstance(error, VenueUnavailable) or error.not_taken:
        raise error  # refused (permission, size, rate limit): it did not land; next round decides
    return await _landed(r, action, cid, error, failed_at=failed_at), "lookup"


async def _settle_close(
    r: _Round, action: ClosePosition, result: CloseResult, *, failed_at: float
) -> None:
    """Journal one close of a batch, first resolving it if the batch did not place it."""
    cid = result.client_id
    detail: dict[str, Any] = {"symbol": action.symbol, "amount": str(action.amount),
                              "account": action.account, "side": action.side.value}  # fmt: skip
    order_id, via = result.order_id, "batch"
    if result.error is not None:
        r.log.step("close", cid, "retrying", {**detail, "error": str(result.error)})
        try:
            order_id, via = await _after_batch(r, action, cid, result.error, failed_at=failed_at)
        except VenueError as exc:
            _failed("close", action, exc, r.out)
            r.log.step("close", cid, "failed", {**detail, "error": str(exc)})
            return
    r.out.closed.append(action)
    r.log.step("close", cid, "ok", {**detail, "order_id": order_id, "via": via})


async def _close_all(r: _Round, closes: list[tuple[ClosePosition, str]]) -> None:
    """Every close in one venue call (batched there), then each one settled on its own."""
    if not closes:
        return
    for action, cid in closes:  # account and side: a resumed kill looks the close up
        r.log.step("close", cid, "sending", {"symbol": action.symbol, "amount": str(action.amount),
                                             "account": action.account,
                                             "side": action.side.value})  # fmt: skip
    results = await r.venue.close_positions(
        [CloseRequest(a.symbol, a.side, a.amount, cid, a.hedged) for a, cid in closes]
    )
    answered_at = r.clock.now()
    await asyncio.gather(
        *(
            _settle_close(r, action, result, failed_at=answered_at)
            for (action, _), result in zip(closes, results, strict=True)
        )
    )


async def execute_plan(
    venue: Venue, plan: KillPlan, log: RunLog, *, prefix: str, round_no: int, clock: RunClock
) -> Outcome:
    """Cancels first (they free the balances sells need), then closes and sells at once.

    `clock` is the run's: waits for a lost answer to land are cut to its deadline.
    """
    r = _Round(venue, log, Outcome(), clock)
    await asyncio.gather(*(_cancel(r, c) for c in plan.cancels))
    cids = [
        client_id(prefix, log.run_id, round_no, i)
        for i in range(len(plan.closes) + len(plan.sells))
    ]
    closes = list(zip(plan.closes, cids, strict=False))
    sells = zip(plan.sells, cids[len(plan.closes) :], strict=True)
    await asyncio.gather(
        _close_all(r, closes),
        *(_sell(r, action, cid) for action, cid in sells),
    )
    return r.out
