"""Run checks concurrently; one that errors reports `error` and the rest go on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from botguard.audit.model import Check, Context, Outcome
from botguard.clock import Clock, SystemClock
from botguard.config import Config
from botguard.findings import Finding, Status
from botguard.secrets.redact import redact
from botguard.venues.errors import VenueUnsupported

log = logging.getLogger(__name__)
TIMEOUT_S = 20.0
Progress = Callable[[int, int, str], None]
"""Called with (checks done, checks in all, the id just done) as each check ends."""


@dataclass(slots=True)
class AuditReport:
    """Every finding of one audit, in the registry's order."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when any check failed, else 0 (DESIGN.md)."""
        return 1 if any(f.status is Status.FAIL for f in self.findings) else 0


async def _one(check: Check, ctx: Context, limit: asyncio.Semaphore) -> Outcome:
    subject = ctx.account.name if ctx.account is not None else "host"
    try:
        async with limit:
            out = await asyncio.wait_for(check.fn(ctx), TIMEOUT_S)
    except VenueUnsupported as exc:
        return Outcome(Status.MANUAL, redact(str(exc)).splitlines()[0], subject)
    except TimeoutError:
        return Outcome(Status.ERROR, f"timed out after {TIMEOUT_S:.0f} s", subject)
    except Exception as exc:
        line = (redact(str(exc)).splitlines() or [""])[0]
        log.debug("check %s failed: %s", check.id, type(exc).__name__)
        return Outcome(Status.ERROR, f"{type(exc).__name__}: {line}"[:300], subject)
    return out


def _finding(check: Check, out: Outcome) -> Finding:
    remedy = check.remedy if out.status is not Status.PASS else ""
    return Finding(
        id=check.id,
        title=check.title,
        category=check.category,
        severity=check.severity,
        status=out.status,
        subject=out.subject,
        evidence=redact(out.evidence),
        remedy=remedy,
    )


ACCOUNT_HEAD_START_S = 0.05
"""How long the account checks run alone before the host checks start (at most).

Every task's first step runs before any task's second: the host checks' first steps
(imports, the git scan, subprocess spawns) took 0.15 s between an account's exchange
being opened and its first request leaving (issue 18). The account checks start
first and have the loop to themselves until they are all done or this has passed,
so their requests are on the wire while the host checks work; an exchange that is
slow to answer costs the host checks at most this much of a head start.
"""


def _import_exchanges(config: Config, checks: tuple[Check, ...]) -> None:
    """Import each account's exchange class now, before any check starts, so the import
    (a third of a second: ccxt's base) is not spent inside the accounts' head start.
    Only a warm-up: whatever fails here, the account's checks meet and report."""
    from botguard.venues.connect import exchange_class

    if not any(c.per_account for c in checks):
        return
    for exchange_id in dict.fromkeys(a.exchange for a in config.account):
        try:
            exchange_class(exchange_id)
        except Exception as exc:  # the checks report it, each as its own finding
            log.debug("exchange %r not imported ahead: %s", exchange_id, type(exc).__name__)


async def run_checks(
    checks: tuple[Check, ...],
    config: Config,
    root: Path,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Run every check (per account where it is an account check) in one TaskGroup, the
    account checks first (see ACCOUNT_HEAD_START_S); the report keeps the checks' order."""
    limits = {a.name: asyncio.Semaphore(4) for a in config.account}
    host_limit = asyncio.Semaphore(16)
    cache: dict[str, object] = {}
    clock = clock or SystemClock()
    # (place in `checks`, place in config.account) -> the check and its task
    jobs: dict[tuple[int, int], tuple[Check, asyncio.Task[Outcome]]] = {}
    total = sum(len(config.account) if c.per_account else 1 for c in checks)
    _import_exchanges(config, checks)

    def tick(check_id: str) -> None:
        if progress is not None:
            progress(sum(t.done() for _, t in jobs.values()), total, check_id)

    async with asyncio.TaskGroup() as tg:

        def start(place: tuple[int, int], check: Check, ctx: Context) -> None:
            limit = limits[ctx.account.name] if ctx.account is not None else host_limit
            task = tg.create_task(_one(check, ctx, limit))
            task.add_done_callback(lambda _t: tick(check.id))
            jobs[place] = (check, task)

        for n, check in enumerate(checks):
            for i, account in enumerate(config.account if check.per_account else ()):
                start((n, i), check, Context(config, root, account, cache, clock))
        if jobs:
            await asyncio.wait([t for _, t in jobs.values()], timeout=ACCOUNT_HEAD_START_S)
        for n, check in enumerate(checks):
            if not check.per_account:
                start((n, 0), check, Context(config, root, None, cache, clock))
    return AuditReport([_finding(c, t.result()) for _, (c, t) in sorted(jobs.items())])
