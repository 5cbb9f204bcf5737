"""`botguard audit`: Tick every box of the security checklist against the exchange and this host."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, OutputFormat, OutputOption, app
from botguard.cli.auditing import AUDIT_EVENT

__all__ = ["AUDIT_EVENT", "audit_command"]


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
    from botguard.cli.auditing import audit

    return audit(config=config, fmt=fmt, root=root, only=only, skip=skip, output=output)
