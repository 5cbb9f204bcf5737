"""The whole kill: halt, then every account at once (read, cancel, flatten, verify).

Imported lazily by `botguard.kill.kill` so `import botguard` stays light.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from botguard.config import AccountConfig, Config
from botguard.journal import Journal
from botguard.kill.halt import set_halt, signal_pidfile, stop_unit
from botguard.kill.report import KillReport
from botguard.kill.runlog import KillLock, RunLog
from botguard.kill.verify import AccountResult, AccountStatus, Settings, settle_account
from botguard.venues.base import Venue

logger = logging.getLogger(__name__)


async def halt_bot(config: Config, reason: str) -> dict[str, Any]:
    """Halt flag first, then the unit and the pid; what happened, for the report."""
    record: dict[str, Any] = {"flag": str(set_halt(config.state.dir, reason, by="kill"))}
    if config.bot.service:
        record["service"] = await asyncio.to_thread(stop_unit, config.bot.service)
    if config.bot.pidfile:
        record["pid"] = await signal_pidfile(config.bot.pidfile, grace_s=config.kill.grace_s)
    return record


def select_accounts(config: Config, names: Sequence[str] | None) -> list[AccountConfig]:
    """The accounts to kill (all by default); an unknown name is a config error."""
    if not names:
        return list(config.account)
    return [config.get_account(n) for n in dict.fromkeys(names)]  # -a main -a main: once


def make_venues(config: Config, accounts: list[AccountConfig]) -> list[Venue]:
    """Own ccxt instances (never the bot's); no network yet."""
    from botguard.venues import open_venue

    cache = config.state.dir / "markets"
    # A request may hang (a dropped connection): give up on it early enough to retry
    # several times before the deadline, but never sooner than 1 s.
    timeout_ms = int(max(1000.0, min(10000.0, config.kill.deadline_s * 1000 / 4)))
    return [open_venue(a, cache_dir=cache, timeout=timeout_ms) for a in accounts]


async def open_venues(config: Config, accounts: list[AccountConfig]) -> list[Venue]:
    """Own venues with markets loaded (from the state-dir cache when fresh), all at once."""
    venues = make_venues(config, accounts)
    try:
        await asyncio.gather(*(v.load_markets() for v in venues))
    except BaseException:
        await asyncio.gather(*(v.close() for v in venues), return_exceptions=True)
        raise
    return venues


def settings_for(config: Config, account: AccountConfig, *, flatten: bool, dry: bool) -> Settings:
    """The per-account loop settings."""
    return Settings(
        keep=frozenset(account.keep),
        quote=account.quote,
        prefix=config.bot.client_id_prefix,
        flatten=flatten and config.kill.flatten,
        dry_run=dry,
    )


async def run_kill(
    config: Config,
    venues: Sequence[Venue],
    *,
    opts: dict[str, Any],
    kind: str = "kill",
) -> KillReport:
    """Lock, journal, halt, settle every account; the venues stay open (caller closes)."""
    start = time.monotonic()
    deadline = start + float(opts.get("deadline_s") or config.kill.deadline_s)
    lock = KillLock(config.state.dir)
    if not await lock.acquire(timeout_s=max(0.0, deadline - time.monotonic())):
        report = KillReport(run_id="", reason=opts["reason"], dry_run=opts["dry_run"])
        note = ["another kill held the lock past the deadline"]
        unreachable = AccountStatus.UNREACHABLE
        report.accounts = [AccountResult(v.account, unreachable, notes=note) for v in venues]
        return report
    async with lock:
        with Journal(config.state.dir) as journal:
            return await _locked(config, venues, journal, {**opts, "kind": kind}, (start, deadline))


async def _locked(
    config: Config,
    venues: Sequence[Venue],
    journal: Journal,
    opts: dict[str, Any],
    clock: tuple[float, float],
) -> KillReport:
    start, deadline = clock
    kind = opts["kind"]
    dry = bool(opts["dry_run"])
    log = RunLog(journal, kind if not dry else f"{kind}-dry-run")
    report = KillReport(log.run_id, opts["reason"], dry_run=dry, resumed=log.resumed)
    if opts.get("halt", True) and not dry:
        report.halt = await halt_bot(config, opts["reason"])
        log.step("halt", "halt", "ok", report.halt)
    by_name = {a.name: a for a in config.account}
    first = log.rounds_done()
    results = await asyncio.gather(
        *(
            settle_account(
                v,
                settings_for(config, by_name[v.account], flatten=opts["flatten"], dry=dry),
                log,
                deadline=deadline,
                first_round=first,
            )
            for v in venues
        )
    )
    report.accounts = list(results)
    report.timings["total_s"] = round(time.monotonic() - start, 3)
    log.finish(report.status, report.summary())
    return report


async def kill_config(
    config: Config,
    *,
    accounts: Sequence[str] | None,
    opts: dict[str, Any],
    kind: str = "kill",
) -> KillReport:
    """Open own venues, run, close them."""
    if opts.get("deadline_s"):  # --deadline also sizes each request's timeout to fit it
        kill = config.kill.model_copy(update={"deadline_s": float(opts["deadline_s"])})
        config = config.model_copy(update={"kill": kill})
    venues = make_venues(config, select_accounts(config, accounts))
    try:
        return await run_kill(config, venues, opts=opts, kind=kind)
    finally:
        await asyncio.gather(*(v.close() for v in venues), return_exceptions=True)
