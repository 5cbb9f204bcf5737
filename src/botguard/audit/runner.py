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


async def run_checks(
    checks: tuple[Check, ...],
    config: Config,
    root: Path,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Run every check (per account where it is an account check) in one TaskGroup."""
    limits = {a.name: asyncio.Semaphore(4) for a in config.account}
    host_limit = asyncio.Semaphore(16)
    cache: dict[str, object] = {}
    clock = clock or SystemClock()
    jobs: list[tuple[Check, asyncio.Task[Outcome]]] = []
    total = sum(len(config.account) if c.per_account else 1 for c in checks)

    def tick(check_id: str) -> None:
        if progress is not None:
            progress(sum(t.done() for _, t in jobs), total, check_id)

    async with asyncio.TaskGroup() as tg:

        def start(check: Check, ctx: Context, limit: asyncio.Semaphore) -> None:
            task = tg.create_task(_one(check, ctx, limit))
            task.add_done_callback(lambda _t: tick(check.id))
            jobs.append((check, task))

        for check in checks:
            if check.per_account:
                for account in config.account:
                    start(check, Context(config, root, account, cache, clock), limits[account.name])
            else:
                start(check, Context(config, root, None, cache, clock), host_limit)
    return AuditReport([_finding(c, t.result()) for c, t in jobs])
