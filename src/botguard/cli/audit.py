"""`botguard audit`: Tick every box of the security checklist against the exchange and this host."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, OutputFormat, OutputOption, app


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

    from botguard.audit import run_audit
    from botguard.config import load_config
    from botguard.report import Format, render

    cfg = load_config(config)
    report = asyncio.run(run_audit(cfg, root=root, only=only or (), skip=skip or ()))
    text = render(report.findings, Format(fmt.value))
    if output is not None:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)
    return report.exit_code
