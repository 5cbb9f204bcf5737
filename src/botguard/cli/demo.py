"""`botguard demo`: The whole story on the simulated exchange, no keys needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app


@app.command("demo")
def demo_command(
    config: ConfigOption = None,
    keep_workspace: Annotated[
        Path | None,
        typer.Option(
            "--keep-workspace",
            help="Write the demo's files (config, .env, bot repo, journal) to this new or "
            "empty directory and leave them there for inspection.",
        ),
    ] = None,
    exchange: Annotated[
        str,
        typer.Option(
            "--exchange",
            help="Which exchange the simulator speaks for the demo: binance, okx or bybit.",
        ),
    ] = "binance",
) -> int:
    """The whole story on the simulated exchange, no keys needed.

    Starts `botguard sim` in this process, a sample bot that trades on it, then
    runs the audit, the leak scan (git history) and the kill switch against them,
    with timings. Offline; everything is removed afterwards. --config is not read:
    the demo writes its own. Exit 0 when the kill switch verified the account flat.
    """
    from botguard.demo.story import run_demo
    from botguard.demo.workspace import EXCHANGES
    from botguard.errors import UsageError
    from botguard.secrets.console import make_console

    if exchange not in EXCHANGES:
        raise UsageError(
            f"--exchange {exchange}: not one the demo runs on; use binance, okx or bybit"
        )
    return run_demo(make_console(), keep=keep_workspace, exchange=exchange)
