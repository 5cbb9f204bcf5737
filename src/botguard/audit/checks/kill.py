"""Kill switch checks: configured, and drilled within 30 days."""

from __future__ import annotations

from datetime import timedelta

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.journal import Journal
from botguard.kill.status import SUCCESS_VALUES

DRILL_DAYS = 30
DRILL_ENDS = SUCCESS_VALUES
"""A drill's journal statuses that count: verified flat, or (with `[kill] flatten = false`)
every order verified cancelled as configured."""


@host_check(
    "kill.configured",
    "a kill switch is configured (an account and a way to halt the bot)",
    Severity.HIGH,
    "add an [[account]] and [bot] service or pidfile to botguard.toml",
)
async def configured(ctx: Context) -> Outcome:
    """An account to flatten and a service or pidfile to stop. Which exchanges' kills are
    verified end to end against a simulator is said; any that is not makes it a WARN."""
    bot = ctx.config.bot
    if not ctx.config.account:
        return Outcome(Status.FAIL, "no [[account]] configured")
    if not (bot.service or bot.pidfile):
        return Outcome(Status.FAIL, "no [bot] service or pidfile: the kill cannot stop the bot")
    how = f"service {bot.service}" if bot.service else f"pidfile {bot.pidfile}"
    verified, unverified = _venues_by_verification(ctx)
    evidence = f"{len(ctx.config.account)} account(s), halt by {how}"
    if verified:
        evidence += f"; verified end to end against botguard sim: {', '.join(verified)}"
    if unverified:
        evidence += (
            f"; generic ccxt venue, not verified end to end against a simulator: "
            f"{', '.join(unverified)} (its kill reports `unverified` where it cannot read)"
        )
        return Outcome(Status.WARN, evidence)
    return Outcome(Status.PASS, evidence)


def _venues_by_verification(ctx: Context) -> tuple[list[str], list[str]]:
    """The configured exchange ids, split by their venue's `verified_end_to_end`."""
    from botguard.venues import venue_class

    exchanges = sorted({a.exchange for a in ctx.config.account})
    verified = [e for e in exchanges if venue_class(e).verified_end_to_end]
    return verified, [e for e in exchanges if e not in verified]


@host_check(
    "kill.drilled_recently",
    "the kill switch was drilled in the last 30 days",
    Severity.MEDIUM,
    "`botguard drill`",
)
async def drilled_recently(ctx: Context) -> Outcome:
    """The journal's newest drill ended flat, within 30 days: a drill that left exposure
    behind proves the kill switch does not work, so it does not count."""
    state = ctx.config.state.dir
    drills = []
    if state.is_dir():
        with Journal(state) as journal:
            drills = journal.runs("drill")
    if not drills:
        return Outcome(Status.FAIL, "no drill in the journal")
    last = drills[0]
    if last.status not in DRILL_ENDS:
        return Outcome(Status.FAIL, f"last drill {last.started_at:%Y-%m-%d} ended {last.status}")
    age = ctx.clock.now() - last.started_at
    if age > timedelta(days=DRILL_DAYS):
        return Outcome(Status.FAIL, f"last drill {last.started_at:%Y-%m-%d}, {age.days} days ago")
    return Outcome(Status.PASS, f"last drill {last.started_at:%Y-%m-%d} ended {last.status}")
