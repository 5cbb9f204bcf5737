"""Read, plan, execute, read again: until the account is flat or the deadline passes.

"Flat" is decided from a fresh read, never from what was sent: no open orders, no
positions, only quote, kept and dust balances.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from botguard.errors import VenueError
from botguard.kill.execute import Outcome, execute_plan
from botguard.kill.plan import KillPlan, plan_kill
from botguard.kill.runlog import RunLog
from botguard.venues.base import Venue
from botguard.venues.errors import VenueUnavailable
from botguard.venues.types import Exposure, MarketInfo

logger = logging.getLogger(__name__)


@dataclass
class AccountResult:
    """One account's kill: what was done and what remains."""

    account: str
    status: str = "running"
    """flat | residual | unreachable | planned (dry run)."""
    plan: KillPlan | None = None
    """The first plan (what the prompt and --dry-run show)."""
    done: Outcome = field(default_factory=Outcome)
    remaining: KillPlan | None = None
    """What the last read still showed (empty when flat)."""
    rounds: int = 0
    refused: bool = False
    """The last round had an order refused for want of permission."""
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """Per-account knobs for the loop."""

    keep: frozenset[str]
    quote: str
    prefix: str
    flatten: bool = True
    dry_run: bool = False


class MarketsView(dict[str, MarketInfo]):
    """markets_info for plan_kill, filled lazily from the venue."""

    def __init__(self, venue: Venue) -> None:
        super().__init__()
        self.venue = venue

    def get(self, key: str, default: Any = None) -> Any:
        info = self.venue.market_info(key)
        return default if info is None else info


async def _read(venue: Venue, deadline: float) -> Exposure | None:
    """One exposure read, retried until the deadline; None when unreachable."""
    while True:
        try:
            return await venue.exposure()
        except VenueUnavailable as exc:
            if time.monotonic() + 0.5 > deadline:
                logger.warning("%s unreachable: %s", venue.account, exc)
                return None
            await asyncio.sleep(exc.retry_after_s or 0.5)


def _merge(total: Outcome, part: Outcome) -> None:
    total.cancelled += part.cancelled
    total.closed += part.closed
    total.sold += part.sold
    total.errors += part.errors


def _verdict(result: AccountResult, plan: KillPlan, settings: Settings, *, refused: bool,
             deadline: float) -> str | None:  # fmt: skip
    """The account's final status after a fresh read, or None to trade another round."""
    if settings.dry_run:
        return "planned"
    if plan.empty:
        return "residual" if refused or plan.stuck_positions else "flat"
    if result.refused:  # the key may not do what is left: retrying cannot help
        return "residual"
    if time.monotonic() > deadline:
        return "unreachable" if result.done.unreachable else "residual"
    return None


async def settle_account(
    venue: Venue, settings: Settings, log: RunLog, *, deadline: float, first_round: int = 0
) -> AccountResult:
    """Loop read → plan → execute until a read shows the account flat."""
    result = AccountResult(venue.account)
    venue.deadline = deadline
    markets = MarketsView(venue)
    started = time.monotonic()
    while True:
        try:
            await venue.load_markets()  # a no-op once loaded (a KillSwitch did it early)
            exposure = await _read(venue, deadline)
        except VenueError as exc:  # auth refused and the like: nothing more we can do
            result.notes.append(str(exc))
            exposure = None
        if exposure is None:
            result.status = "unreachable"
            return result
        plan = plan_kill(exposure, keep=settings.keep, quote=settings.quote,
                         markets_info=markets, flatten=settings.flatten)  # fmt: skip
        result.plan = result.plan or plan
        result.remaining = plan
        refused = getattr(venue, "futures_refused", None)
        if refused and not result.notes:
            result.notes.append(f"futures not readable with this key: {refused}")
        verdict = _verdict(result, plan, settings, refused=bool(refused), deadline=deadline)
        if verdict is not None:
            result.status = verdict
            result.timings["settle_s"] = round(time.monotonic() - started, 3)
            return result
        round_no = first_round + result.rounds
        log.step("round", f"{venue.account}:{round_no}", "ok", {"account": venue.account})
        outcome = await execute_plan(venue, plan, log, prefix=settings.prefix, round_no=round_no)
        _merge(result.done, outcome)
        result.done.unreachable = outcome.unreachable
        result.refused = outcome.refused
        result.rounds += 1
        if outcome.errors:
            await asyncio.sleep(min(1.0, 0.2 * result.rounds))
