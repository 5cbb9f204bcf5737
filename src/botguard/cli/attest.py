"""`botguard attest`: Record that a person checked a box no API can show (2FA, alerts...)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError

ATTESTABLE = ("exchange.two_factor", "exchange.withdrawal_whitelist", "exchange.alerts")


@app.command("attest")
def attest_command(
    check_id: Annotated[str, typer.Argument(help="The check id, e.g. exchange.two_factor.")],
    note: Annotated[str, typer.Option("--note", help="What you checked, where.")] = "",
    config: ConfigOption = None,
) -> int:
    """Record that a person checked a box no API can show (2FA, alerts...)."""
    from botguard.config import load_config
    from botguard.journal import Journal

    if check_id not in ATTESTABLE:
        raise UsageError(f"{check_id!r} cannot be attested; use one of {', '.join(ATTESTABLE)}")
    cfg = load_config(config)
    with Journal(cfg.state.dir) as journal:
        journal.attest(check_id, getpass.getuser(), note)
    typer.echo(f"attested {check_id} (valid 90 days)")
    return 0
