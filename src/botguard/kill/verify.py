"""Read, plan, execute, read again: until the account is flat or the deadline passes.

"Flat" is decided from a fresh read, never from what was sent: no open orders, no
positions, only quote, kept and dust balances, and nothing the venue could not read.
A `--no-flatten` kill whose read shows positions or coins left is `cancelled`, not flat.
The deadline is a hard bound: every sleep is cut to it and the whole loop is cancelled
at it. An exception that is not a VenueError is a bug, not an outage: the account is
reported `failed` at once, never retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

from botguard.errors import VenueError
from botguard.kill.execute import Outcome, execute_plan
from botguard.kill.fills import correct_fills, count_fills
from botguard.kill.plan import BotShare, CancelOrders, KillPlan, plan_kill
from botguard.kill.runlog import RunClock, RunLog
from botguard.kill.status import AccountStatus
from botguard.venues.base import Venue, verification
from botguard.venues.capability import CancelsWithoutMarkets
from botguard.venues.errors import VenueUnavailable
from botguard.venues.types import Exposure, MarketInfo

logger = logging.getLogger(__name__)


@dataclass
class AccountResult:
    """One account's kill: what was done and what remains."""

    account: str
    status: AccountStatus = AccountStatus.RUNNING
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
    venue: str = ""
    """The exchange and whether its venue is verified end to end against a simulator."""


@dataclass(frozen=True)
class Settings:
    """Per-account knobs for the loop."""

    keep: frozenset[str]
    quote: str
    prefix: str
    flatten: bool = True
    dry_run: bool = False
    share: BotShare | None = None
    """`flatten = "bot"`: the bot's part of the account (None: all of it)."""
    unattributed: str | None = None
    """`flatten = "bot"` whose books could not be read, and why: nothing is sold or
    closed, and the account is reported unverified, never flat."""

    def after(self, done: Outcome) -> Settings:
        """These settings for a later pass, with what `done` sold and closed taken off."""
        if self.share is None:
            return self
        return dataclasses.replace(self, share=self.share.minus(done.sold, done.closed))


ROUND_PAUSE_S = 0.2
"""Pause after a round with errors, times the round number (at most 1 s)."""


class MarketsView(dict[str, MarketInfo]):
    """markets_info for plan_kill, filled lazily from the venue."""

    def __init__(self, venue: Venue) -> None:
        super().__init__()
        self.venue = venue

    def get(self, key: str, default: Any = None) -> Any:
        info = self.venue.market_info(key)
        return default if info is None else info


async def _read(venue: Venue, clock: RunClock, result: AccountResult) -> Exposure | None:
    """One exposure read, retried until the deadline; None when unreachable."""
    while True:
        try:
            return await venue.exposure()
        except VenueUnavailable as exc:
            result.done.unreachable = True
            pause = exc.retry_after_s or 0.5
            if pause >= clock.remaining():  # a Retry-After past the deadline: give up now
                logger.warning("%s unreachable: %s", venue.account, exc)
                return None
            await clock.sleep(pause)


async def _load_markets(venue: Venue, log: RunLog, result: AccountResult, *, dry_run: bool) -> None:
    """Markets (a no-op once loaded); if a load fails, every book is cancelled without
    them while the load is retried: cancel-all needs no precision (issue 11, item 5).
    A dry run never cancels."""
    load = asyncio.ensure_future(venue.load_markets())
    try:
        if isinstance(venue, CancelsWithoutMarkets) and not dry_run:
            failed = asyncio.ensure_future(venue.markets_failed.wait())
            await asyncio.wait({load, failed}, return_when=asyncio.FIRST_COMPLETED)
            failed.cancel()
            if not load.done():
                await _cancel_without_markets(venue, log, result)
        await load
    finally:
        load.cancel()  # the deadline cut the loop: no load may outlive it


async def _cancel_without_markets(
    venue: CancelsWithoutMarkets, log: RunLog, result: AccountResult
) -> None:
    """The blind cancel, journaled; its failure only means the normal cancels come later."""
    account = result.account
    try:
        books = await venue.cancel_without_markets()
    except VenueError as exc:
        log.step("cancel", f"{account}:without-markets", "failed", {"error": str(exc)})
        result.done.errors.append(f"cancel without markets: {exc}")
        return
    for (symbol, market, conditional), count in sorted(books.items()):
        result.done.cancelled.append(CancelOrders(account, symbol, market, conditional, count))
    detail = {"books": len(books), "orders": sum(books.values())}
    log.step("cancel", f"{account}:without-markets", "ok", detail)


def _merge(total: Outcome, part: Outcome) -> None:
    total.cancelled += part.cancelled
    total.closed += part.closed
    total.sold += part.sold
    total.errors += part.errors


def _verdict(result: AccountResult, plan: KillPlan, exposure: Exposure, settings: Settings, *,
             clock: RunClock) -> AccountStatus | None:  # fmt: skip
    """The account's final status after a fresh read, or None to trade another round."""
    if settings.dry_run:
        return AccountStatus.PLANNED
    if plan.empty:
        if exposure.futures_refused or plan.stuck_positions or plan.unsellable:
            return AccountStatus.RESIDUAL
        if exposure.unchecked or settings.unattributed:
            return AccountStatus.UNVERIFIED
        return AccountStatus.CANCELLED if plan.kept_open else AccountStatus.FLAT
    if result.refused:  # the key may not do what is left: retrying cannot help
        return AccountStatus.RESIDUAL
    if clock.is_past():
        return AccountStatus.UNREACHABLE if result.done.unreachable else AccountStatus.RESIDUAL
    return None


def _plan(exposure: Exposure, markets: MarketsView, settings: Settings) -> KillPlan:
    """This round's plan; `flatten = "bot"` with unreadable books flattens nothing."""
    flatten = settings.flatten and settings.unattributed is None
    return plan_kill(exposure, keep=settings.keep, quote=settings.quote, markets_info=markets,
                     flatten=flatten, share=settings.share)  # fmt: skip


def _note_share(result: AccountResult, plan: KillPlan, settings: Settings) -> None:
    """`flatten = "bot"`: why nothing was attributed, or what is left as not the bot's."""
    if settings.unattributed:
        note = f"{settings.unattributed}; nothing sold or closed, so not verified"
        result.notes += [note] if note not in result.notes else []
    result.notes[:] = [n for n in result.notes if not n.startswith(LEFT_ALONE)]  # the latest
    if plan.left_alone:
        left = ", ".join(f"{a.asset} {a.amount.normalize():f}" for a in plan.left_alone)
        result.notes.append(f"{LEFT_ALONE}{left}")


LEFT_ALONE = 'flatten = "bot", left alone as not the bot\'s: '


def _note_unread(result: AccountResult, exposure: Exposure) -> None:
    """Say, once, what this read could not see (a refused futures key, no positions API)."""
    refused = exposure.futures_refused
    notes = [f"futures not readable with this key: {refused}"] if refused else []
    notes += [f"not verified: {what}" for what in exposure.unchecked]
    result.notes += [n for n in notes if n not in result.notes]


async def settle_account(
    venue: Venue, settings: Settings, log: RunLog, *, clock: RunClock, first_round: int = 0
) -> AccountResult:
    """Loop read → plan → execute until a read shows the account flat, within the deadline.

    The run's clock is passed down as an argument to everything here; the venue, built
    before the run (a KillSwitch builds it at bot start-up), is told the deadline its
    own requests and retries must end by, in the same clock's time.
    """
    result = AccountResult(venue.account, venue=verification(venue))
    venue.deadline = clock.deadline
    started = clock.now()
    try:  # a hard bound in the event loop's time too, in case a call never returns
        async with asyncio.timeout(clock.remaining()) as scope:
            await _settle(venue, settings, log, result, clock=clock, first_round=first_round)
    except Exception as exc:  # a bug is reported, never retried as an outage
        if isinstance(exc, TimeoutError) and scope.expired():
            _timed_out(result)
        else:
            _failed(result, log, exc)
    result.timings["settle_s"] = round(clock.now() - started, 3)
    return result


def _timed_out(result: AccountResult) -> None:
    """The deadline cut the loop: unreachable if the exchange was failing us (or never
    read), residual if it answered and refused."""
    unreachable = result.done.unreachable or result.remaining is None
    result.status = AccountStatus.UNREACHABLE if unreachable else AccountStatus.RESIDUAL
    result.notes.append("the deadline passed before the account was verified flat")


def _failed(result: AccountResult, log: RunLog, exc: Exception) -> None:
    """A botguard bug inside this account's kill: one line, journaled, never retried."""
    from botguard.secrets.redact import redact

    logger.debug("%s: internal error", result.account, exc_info=exc)
    line = redact(f"internal error: {type(exc).__name__}: {exc}".splitlines()[0][:300])
    result.status = AccountStatus.FAILED
    result.notes.append(line)
    log.step("account", result.account, "failed", {"error": line})


async def _settle(
    venue: Venue,
    settings: Settings,
    log: RunLog,
    result: AccountResult,
    *,
    clock: RunClock,
    first_round: int,
) -> None:
    """The loop itself; sets `result.status` when it ends."""
    markets = MarketsView(venue)
    try:
        await _load_markets(venue, log, result, dry_run=settings.dry_run)
    except VenueError as exc:
        result.notes.append(f"markets could not be loaded: {exc}")
        result.status = AccountStatus.UNREACHABLE
        return
    last: tuple[Exposure, Outcome] | None = None  # the last round's read, and what it sent
    while True:
        try:
            exposure = await _read(venue, clock, result)
        except VenueError as exc:  # auth refused and the like: nothing more we can do
            result.notes.append(str(exc))
            exposure = None
        if exposure is None:
            result.status = AccountStatus.UNREACHABLE
            return
        if last is not None:  # a part fill is not a whole one (the bot's share, the report)
            correct_fills(result.done, last[1], count_fills(last[1], last[0], exposure), log)
        plan = _plan(exposure, markets, settings.after(result.done))
        result.plan = result.plan or plan
        result.remaining = plan
        _note_unread(result, exposure)
        _note_share(result, plan, settings)
        verdict = _verdict(result, plan, exposure, settings, clock=clock)
        if verdict is not None:
            result.status = verdict
            return
        round_no = first_round + result.rounds
        log.step("round", f"{venue.account}:{round_no}", "ok", {"account": venue.account})
        outcome = await execute_plan(
            venue, plan, log, prefix=settings.prefix, round_no=round_no, clock=clock
        )
        _merge(result.done, outcome)
        last = (exposure, outcome)
        result.done.unreachable = outcome.unreachable
        result.refused = outcome.refused
        result.rounds += 1
        if outcome.errors:
            await clock.sleep(min(1.0, ROUND_PAUSE_S * result.rounds))
