"""The audit command's work, apart from typer: the typer command and the early path share it.

`botguard audit` with plain flags runs from `cli/early.py` without importing typer
(issue 18: a whole `audit -f json` process was 0.5 s of imports more than the audit);
anything else goes through typer's `audit_command`, which calls `audit` here, so both
paths print, journal and exit alike.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.formats import Format

if TYPE_CHECKING:
    from botguard.audit import AuditReport
    from botguard.config import Config

AUDIT_EVENT = "audit"
"""Journal event kind of a finished audit; `botguard status` shows the newest."""

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")
"""The escape sequences click's echo strips when stdout is not a terminal (its `_ansi_re`)."""


def audit(
    *,
    config: Path | None = None,
    fmt: Format = Format.TEXT,
    root: Path = Path("/"),
    only: Sequence[str] | None = None,
    skip: Sequence[str] | None = None,
    output: Path | None = None,
) -> int:
    """Run the audit as `botguard audit` does and return its exit code."""
    import asyncio

    from botguard.cli.paths import check_writable_file, existing_dir
    from botguard.config import load_config

    existing_dir(root, option="--root")
    if output is not None:
        check_writable_file(output, option="--output")
    cfg = load_config(config)
    report = asyncio.run(_audit_and_alert(cfg, root, only or (), skip or ()))
    _emit(report, fmt, output)
    _journal(cfg, report)
    return report.exit_code


def _journal(cfg: Config, report: AuditReport) -> None:
    """Record the audit's counts and failing ids for `botguard status`. A state dir that
    cannot be written (an audit as another user) is logged at debug, never an audit error."""
    import logging
    import sqlite3
    from collections import Counter

    from botguard.errors import ConfigError
    from botguard.findings import Status
    from botguard.journal import Journal

    counts = Counter(f.status.value for f in report.findings)
    failing = [
        f"{f.id} ({f.subject})" if f.subject != "host" else f.id
        for f in report.findings
        if f.status is Status.FAIL
    ]
    try:
        with Journal(cfg.state.dir) as journal:
            journal.add_event(AUDIT_EVENT, {"counts": dict(counts), "failing": failing})
    except (OSError, sqlite3.Error, ConfigError) as exc:
        logging.getLogger(__name__).debug("audit not journaled: %s", exc)


async def _audit_and_alert(
    cfg: Config, root: Path, only: Sequence[str], skip: Sequence[str]
) -> AuditReport:
    """Run the audit, then send its failures to the [alerts] URLs (never fails the audit)."""
    from botguard.audit import run_audit
    from botguard.cli.progress import progress

    with progress("auditing") as update:
        report = await run_audit(cfg, root=root, only=only, skip=skip, progress=update)
    from botguard.alerts import alert_audit  # after the audit: not before its first request

    sent = await alert_audit(cfg, report.findings)
    if sent is not None and sent.failed:
        sys.stderr.write(f"botguard: warning: {sent.failed} alert URL(s) did not take the alert\n")
    return report


def _emit(report: AuditReport, fmt: Format, output: Path | None) -> None:
    """Print to stdout (colour on a terminal, $COLUMNS or wide in a pipe) or write --output."""
    from botguard.report import render

    if output is None and fmt is Format.TEXT:
        from botguard.report import text
        from botguard.secrets.console import make_console

        console = make_console(highlight=False)
        for part in text.renderables(report.findings):
            console.print(part)
        return
    rendered = render(report.findings, fmt)
    if output is not None:
        from botguard.cli.paths import write_output

        write_output(output, rendered)
    else:
        _echo(rendered)


def _echo(text: str) -> None:
    """Write to stdout as typer's echo did: escape sequences stripped unless a terminal."""
    if not sys.stdout.isatty():
        text = _ANSI.sub("", text)
    sys.stdout.write(text)
    sys.stdout.flush()
