"""The whole kill: halt first, then every account at once (open, read, cancel, flatten, verify).

Order matters and is the point of this module: the halt flag goes up before anything
else (even the kill lock: if another kill holds it, the flag is up all the same), and
the bot is stopped under the lock, journaled, before anything that can fail or block
on an account runs. Only then is each account
opened (its secrets resolved in a thread of its own: a Vault or keyring read may
block for seconds, or forever), and an account that cannot be opened is reported
unreachable while every other account is still cancelled, flattened and verified.

Imported lazily by `botguard.kill.kill` so `import botguard` stays light.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from botguard.config import AccountConfig, Config
from botguard.errors import BotguardError
from botguard.halt import set_halt
from botguard.journal import Journal
from botguard.kill.botpid import BotIdentity, in_unit
from botguard.kill.botshare import ShareRead, read_share
from botguard.kill.inflight import resolve_in_flight
from botguard.kill.options import KillOptions
from botguard.kill.report import KillReport
from botguard.kill.runlog import KillLock, RunClock, RunLog
from botguard.kill.status import AccountStatus
from botguard.kill.stop import (
    HaltRecord,
    StopStatus,
    UnitStop,
    signal_pidfile,
    stop_unit,
    unit_main_pid,
)
from botguard.kill.verify import AccountResult, Settings, settle_account
from botguard.venues.base import Venue

if TYPE_CHECKING:
    from botguard.kill.freqtrade import FrameworkStop

logger = logging.getLogger(__name__)

T = TypeVar("T")
_IMPORT_LOCK = threading.Lock()
"""ccxt's lazy import (venues/lazy.py) is not made for two threads at once."""
STOP_HEAD_START_S = 0.25
"""How long the accounts wait for the bot to stop before they start cancelling anyway.
A bot that exits on SIGTERM is gone by then; one that ignores it would otherwise trade on,
unchecked, for the whole [kill] grace_s before a single cancel went out."""


class AccountUnopened(Exception):
    """An account's venue could not be built (a secret that does not resolve, ...)."""


def raise_flag(config: Config, reason: str) -> HaltRecord:
    """The halt flag, before anything else; never raises (the kill goes on regardless)."""
    try:
        return HaltRecord(flag=str(set_halt(config.state.dir, reason, by="kill")))
    except Exception as exc:  # a state dir we may not write: still stop the bot and kill
        logger.debug("the halt flag could not be raised", exc_info=True)
        return HaltRecord(flag_error=f"{type(exc).__name__}: {str(exc)[:200]}")


async def stop_bot(
    config: Config, flag: HaltRecord, *, inside_bot: bool, drop_trades: bool = False
) -> HaltRecord:
    """After the flag: the framework asked to stand down (freqtrade, ~2 s at most), then
    the bot's unit, then its pid (only one that is plausibly the bot).

    `drop_trades`: the kill flattens, so freqtrade may drop the trades it closes."""
    bot = config.bot
    framework = None
    if bot.framework == "freqtrade" and not inside_bot:
        framework = await ask_freqtrade(config, drop_trades=drop_trades)
    identity = BotIdentity(user=bot.user, command=tuple(bot.command), unit=bot.service)
    unit = None
    if bot.service:
        if bot.pidfile:  # read before the stop: a stopped unit has no MainPID
            main_pid = await asyncio.to_thread(unit_main_pid, bot.service)
            identity = BotIdentity(bot.user, tuple(bot.command), bot.service, main_pid)
        unit = await _stop_unit(bot.service, inside_bot=inside_bot)
    pid = None
    if bot.pidfile:
        grace_s = config.kill.grace_s
        pid = await signal_pidfile(bot.pidfile, grace_s=grace_s, expect=identity,
                                   inside_bot=inside_bot)  # fmt: skip
    _remove_stale_credentials()
    return dataclasses.replace(flag, framework=framework, unit=unit, pid=pid)


async def ask_freqtrade(config: Config, *, drop_trades: bool) -> FrameworkStop:
    """freqtrade.stand_down in a daemon thread, cut off after its budget: its config
    files and API are the bot's (a FIFO or a server that never answers must not hold
    the SIGTERM back)."""

    from botguard.kill.freqtrade import BUDGET_S, FrameworkStop, api_of, stand_down

    def ask() -> FrameworkStop:
        api = api_of(config)
        if isinstance(api, str):
            return FrameworkStop(problem=f"not asked: {api}")
        return stand_down(api, drop_trades=drop_trades)

    try:
        return await asyncio.wait_for(_in_daemon_thread(ask), timeout=BUDGET_S + 0.5)
    except TimeoutError:
        return FrameworkStop(problem=f"no answer within {BUDGET_S:g} s; signalled anyway")


def _remove_stale_credentials() -> None:
    """Keys a SIGKILLed `botguard run` left on tmpfs; never stops the kill."""
    from botguard.harden.creds_dir import remove_stale_credentials

    try:
        remove_stale_credentials()
    except OSError:
        logger.warning("could not remove a stale credentials dir", exc_info=True)


async def _stop_unit(unit: str, *, inside_bot: bool) -> UnitStop:
    if inside_bot and in_unit(os.getpid(), unit):
        return UnitStop(unit, StopStatus.SKIPPED, "this process runs in it (the bot itself)")
    return await asyncio.to_thread(stop_unit, unit)


def select_accounts(config: Config, names: Sequence[str] | None) -> list[AccountConfig]:
    """The accounts to kill (all by default); an unknown name is a config error."""
    if not names:
        return list(config.account)
    return [config.get_account(n) for n in dict.fromkeys(names)]  # -a main -a main: once


def make_venue(config: Config, account: AccountConfig) -> Venue:
    """Own ccxt instance (never the bot's), secrets resolved; no network yet. May block."""
    from botguard.venues import open_venue
    from botguard.venues.connect import exchange_class

    with _IMPORT_LOCK:
        exchange_class(account.exchange)
    # A request may hang (a dropped connection): give up on it early enough to retry
    # several times before the deadline, but never sooner than 1 s.
    timeout_ms = int(max(1000.0, min(10000.0, config.kill.deadline_s * 1000 / 4)))
    return open_venue(account, cache_dir=config.state.dir / "markets", timeout=timeout_ms)


def make_venues(config: Config, accounts: Sequence[AccountConfig]) -> list[Venue]:
    """Every account's venue, on this thread (a KillSwitch at bot start-up, the benchmark)."""
    return [make_venue(config, a) for a in accounts]


async def open_venues(config: Config, accounts: list[AccountConfig]) -> list[Venue]:
    """Own venues with markets loaded (from the state-dir cache when fresh), all at once."""
    venues = make_venues(config, accounts)
    try:
        await asyncio.gather(*(v.load_markets() for v in venues))
    except BaseException:
        await asyncio.gather(*(v.close() for v in venues), return_exceptions=True)
        raise
    return venues


async def open_account(config: Config, account: AccountConfig, *, timeout_s: float) -> Venue:
    """The account's venue, built in a thread; AccountUnopened with a one-line reason.

    `timeout_s` is real time (the thread reads secrets from the host), at least 0.1 s.
    """
    from botguard.secrets.redact import redact

    try:
        return await asyncio.wait_for(
            _in_daemon_thread(lambda: make_venue(config, account)),
            timeout=max(0.1, timeout_s),
        )
    except TimeoutError:
        raise AccountUnopened("its secrets could not be read before the deadline") from None
    except BotguardError as exc:
        raise AccountUnopened(redact(str(exc)).splitlines()[0]) from None
    except Exception as exc:  # a bug here must not keep the other accounts from their kill
        logger.exception("opening account %s failed", account.name)
        raise AccountUnopened(f"botguard failed to open it ({type(exc).__name__})") from None


async def _in_daemon_thread(fn: Callable[[], T]) -> T:
    """fn() in a daemon thread: unlike asyncio.to_thread, a read that never returns
    cannot hold the process at exit (asyncio.run waits for its executor's threads)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            outcome = functools.partial(_set_result, future, fn())
        except BaseException as exc:
            outcome = functools.partial(_set_exception, future, exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(outcome)

    threading.Thread(target=run, name="botguard-open-account", daemon=True).start()
    return await future


def _set_result(future: asyncio.Future[T], value: T) -> None:
    if not future.done():  # not timed out meanwhile
        future.set_result(value)


def _set_exception(future: asyncio.Future[T], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def settings_for(
    config: Config, account: AccountConfig, *, flatten: bool, dry: bool, share: ShareRead | None
) -> Settings:
    """The per-account loop settings; `share` is what the bot holds (`flatten = "bot"`)."""
    flatten = flatten and config.kill.flatten
    return Settings(
        keep=frozenset(account.keep),
        quote=account.quote,
        prefix=config.bot.client_id_prefix,
        flatten=flatten,
        dry_run=dry,
        share=share.share if share else None,
        unattributed=share.unattributed if share else None,
    )


@dataclass(frozen=True, slots=True)
class _Run:
    """One run's fixed inputs, shared by every account."""

    config: Config
    options: KillOptions
    log: RunLog
    clock: RunClock
    first_round: int
    shares: Mapping[str, ShareRead] = dataclasses.field(default_factory=dict)
    """`flatten = "bot"`: each account's share of the bot, read before the bot was stopped."""


async def run_kill(
    config: Config,
    accounts: Sequence[AccountConfig],
    *,
    options: KillOptions,
    venues: Mapping[str, Venue] | None = None,
) -> KillReport:
    """Halt flag, lock, journal, stop the bot, then open and settle every account.

    `venues` are already open (a KillSwitch's); the rest are opened after the halt and
    closed here. The given ones stay open (their owner closes them).
    """
    if options.deadline_s:  # --deadline also sizes each request's timeout to fit it
        kill = config.kill.model_copy(update={"deadline_s": options.deadline_s})
        config = config.model_copy(update={"kill": kill})
    clock = RunClock.starting(config.kill.deadline_s)
    flag = raise_flag(config, options.reason) if options.halt and not options.dry_run else None
    lock = KillLock(config.state.dir)
    if not await lock.acquire(timeout_s=clock.remaining()):
        report = KillReport(run_id="", reason=options.reason, dry_run=options.dry_run)
        note = "another kill held the lock past the deadline"
        report.halt = flag  # that kill stops the bot
        report.accounts = [unreachable(a.name, note) for a in accounts]
        return report
    async with lock:
        with Journal(config.state.dir) as journal:
            kind = options.kind if not options.dry_run else f"{options.kind}-dry-run"
            log = RunLog(journal, kind)
            shares = await read_shares(config, accounts, options)
            run = _Run(config, options, log, clock, log.rounds_done(), shares)
            stop = None
            if flag is not None:  # journaled and timed: the demo's "halt" phase
                stop = asyncio.create_task(_stop_and_journal(run, flag))
                await asyncio.wait({stop}, timeout=STOP_HEAD_START_S)
            return await _locked(run, accounts, venues or {}, stop)


def halted_at(run: _Run) -> datetime | None:
    """When the standing halt flag went up (None: no flag, or not botguard's own)."""
    from botguard.halt import read_halt

    flag = read_halt(run.config.state.dir)
    try:
        at = datetime.fromisoformat(str((flag or {}).get("at", "")))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


SHARE_READ_S = 3.0
"""How long the bot's books may take to read before the bot is stopped: a database the
bot holds locked (or a FIFO in its place) attributes nothing rather than delay the stop."""


async def read_shares(
    config: Config, accounts: Sequence[AccountConfig], options: KillOptions
) -> dict[str, ShareRead]:
    """`flatten = "bot"` accounts' shares, read after the halt flag and before the bot is
    stopped: stopping may change its books (a framework asked to stand down drops its
    trades), and what it held when halted is what the kill flattens."""
    if not (options.flatten and config.kill.flatten):
        return {}
    wanted = [a for a in accounts if a.flatten == "bot"]
    reads = [_read_share_bounded(config, a) for a in wanted]
    return {a.name: share for a, share in zip(wanted, await asyncio.gather(*reads), strict=True)}


async def _read_share_bounded(config: Config, account: AccountConfig) -> ShareRead:
    try:
        return await asyncio.wait_for(
            _in_daemon_thread(lambda: read_share(config, account)), timeout=SHARE_READ_S
        )
    except TimeoutError:
        why = f"the bot's books did not answer within {SHARE_READ_S:g} s"
        return ShareRead(unattributed=f'flatten = "bot": {why}')


async def _stop_and_journal(run: _Run, flag: HaltRecord) -> HaltRecord:
    drop = run.options.flatten and run.config.kill.flatten
    halt = await stop_bot(run.config, flag, inside_bot=run.options.inside_bot, drop_trades=drop)
    run.log.step("halt", "halt", "ok" if halt.bot_stopped else "failed", halt.as_dict())
    return halt


async def _locked(
    run: _Run,
    accounts: Sequence[AccountConfig],
    venues: Mapping[str, Venue],
    stop: asyncio.Task[HaltRecord] | None,
) -> KillReport:
    """Every account at once. A bot still stopping (it ignored SIGTERM) does not hold the
    cancels back; each account then reads itself again once the bot is gone."""
    report = KillReport(run.log.run_id, run.options.reason, dry_run=run.options.dry_run,
                        resumed=run.log.resumed)  # fmt: skip
    pending = stop if stop is not None and not stop.done() else None
    results = await asyncio.gather(
        *(_account(run, a, venues.get(a.name), pending) for a in accounts)
    )
    report.halt = await stop if stop is not None else None
    report.accounts = list(results)
    report.timings["total_s"] = round(run.clock.elapsed(), 3)
    run.log.finish(report.status, report.summary())
    return report


async def _account(
    run: _Run, account: AccountConfig, venue: Venue | None, stop: asyncio.Task[HaltRecord] | None
) -> AccountResult:
    """Open the account if it is not yet, settle it, close what was opened here.

    `stop` is a bot still being stopped: settled once while it may still trade, the
    account is settled again after it is gone, so flat means flat with no bot running."""
    opened = None
    if venue is None:
        try:
            venue = opened = await open_account(
                run.config, account, timeout_s=run.clock.remaining()
            )
        except AccountUnopened as exc:
            logger.info("account %s not opened: %s", account.name, exc)
            run.log.step("open", account.name, "failed", {"reason": str(exc)})
            return unreachable(account.name, str(exc))
    share = run.shares.get(account.name)
    if share is not None:  # a dead run's unanswered sends first: they may have landed
        since = share.since(halted_at(run))
        share = await resolve_in_flight(share, venue, run.log, since=since, clock=run.clock)
        share = share.minus_journaled(run.log.journal, account.name, halted_at=halted_at(run))
    settings = settings_for(run.config, account, flatten=run.options.flatten,
                            dry=run.options.dry_run, share=share)  # fmt: skip
    try:
        result = await settle_account(
            venue, settings, run.log, clock=run.clock, first_round=run.first_round
        )
        if stop is None:
            return result
        await asyncio.wait({stop}, timeout=run.clock.remaining())
        again = await settle_account(venue, settings.after(result.done), run.log, clock=run.clock,
                                     first_round=run.first_round + result.rounds)  # fmt: skip
        return after(result, again)
    finally:
        if opened is not None:
            await opened.close()


def after(first: AccountResult, second: AccountResult) -> AccountResult:
    """The confirming pass's result (its status and what remains), with what the first
    pass did in front: the report says everything the kill did."""
    for name in ("cancelled", "closed", "sold", "errors"):
        getattr(second.done, name)[:0] = getattr(first.done, name)
    second.plan = first.plan
    second.rounds += first.rounds
    second.notes[:0] = [n for n in first.notes if n not in second.notes]
    second.timings["settle_s"] = round(
        first.timings.get("settle_s", 0.0) + second.timings.get("settle_s", 0.0), 3
    )
    return second


def unreachable(account: str, note: str) -> AccountResult:
    """An account the kill could not work on, and why (one line, no secret in it)."""
    return AccountResult(account, AccountStatus.UNREACHABLE, notes=[note])


async def kill_config(
    config: Config, *, accounts: Sequence[str] | None, options: KillOptions
) -> KillReport:
    """The kill of `config`'s accounts (all, or those named): venues opened after the halt."""
    return await run_kill(config, select_accounts(config, accounts), options=options)
