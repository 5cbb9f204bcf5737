"""`botguard audit`: Tick every box of the security checklist against the exchange and this host."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, OutputFormat, OutputOption, app

if TYPE_CHECKING:
    from botguard.audit import AuditReport
    from botguard.config import Config


@app.command("audit")
def audit_command(
    config: ConfigOption = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json, markdown or sarif.")
    ] = OutputFormat.TEXT,
    root: Annotated[Path, typer.Option("--root", help="Audit the host tree under DIR.")] = Path(
        "/"
    ),
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only this category (repeatable).")
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", help="Skip this check id (repeatable).")
    ] = None,
    output: OutputOption = None,
) -> int:
    """Tick every box of the security checklist against the exchange and this host."""
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


AUDIT_EVENT = "audit"
"""Journal event kind of a finished audit; `botguard status` shows the newest."""


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
    cfg: Config, root: Path, only: list[str] | tuple[()], skip: list[str] | tuple[()]
) -> AuditReport:
    """Run the audit, then send its failures to the [alerts] URLs (never fails the audit)."""
    from botguard.alerts import alert_audit
    from botguard.audit import run_audit
    from botguard.cli.progress import progress

    with progress("auditing") as update:
        report = await run_audit(cfg, root=root, only=only, skip=skip, progress=update)
    sent = await alert_audit(cfg, report.findings)
    if sent is not None and sent.failed:
        typer.echo(
            f"botguard: warning: {sent.failed} alert URL(s) did not take the alert", err=True
        )
    return report


def _emit(report: AuditReport, fmt: OutputFormat, output: Path | None) -> None:
    """Print to stdout (colour on a terminal, $COLUMNS or wide in a pipe) or write --output."""
    from botguard.report import Format, render

    chosen = Format(fmt.value)
    if output is None and chosen is Format.TEXT:
        from botguard.report import text
        from botguard.secrets.console import make_console

        console = make_console(highlight=False)
        for part in text.renderables(report.findings):
            console.print(part)
        return
    rendered = render(report.findings, chosen)
    if output is not None:
        from botguard.cli.paths import write_output

        write_output(output, rendered)
    else:
        typer.echo(rendered, nl=False)
