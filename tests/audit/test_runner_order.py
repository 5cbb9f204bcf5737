"""The runner starts the account checks first, so their exchange requests leave before the
host checks' imports, git scans and subprocesses take the event loop (issue 18: 0.15 s of
them delayed a process's first request). The report keeps the registry's order, and an
account check that waits on the host side cannot stall the audit: the head start ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from botguard.audit.model import Context, Outcome, account_check, host_check
from botguard.audit.runner import run_checks
from botguard.config import Config
from botguard.findings import Severity, Status

from .conftest import account


async def test_account_checks_start_first_and_the_report_keeps_the_listed_order(
    config_for: Callable[..., Config],
) -> None:
    started: list[str] = []
    host_ran = asyncio.Event()

    @host_check("host.first_listed", "t", Severity.LOW, "r")
    async def first_listed(ctx: Context) -> Outcome:
        started.append("host")
        host_ran.set()
        return Outcome(Status.PASS, "host ran")

    @account_check("key.second_listed", "t", Severity.LOW, "r")
    async def second_listed(ctx: Context) -> Outcome:
        assert ctx.account is not None
        started.append(ctx.account.name)
        await host_ran.wait()  # only the host check ends this wait: no deadlock allowed
        return Outcome(Status.PASS, "waited", ctx.account.name)

    config = config_for(accounts=[account("b"), account("a")])
    report = await run_checks((first_listed, second_listed), config, Path("/"))
    assert started == ["b", "a", "host"]
    assert [(f.id, f.subject) for f in report.findings] == [
        ("host.first_listed", "host"),
        ("key.second_listed", "b"),
        ("key.second_listed", "a"),
    ]
    assert {f.status for f in report.findings} == {Status.PASS}
