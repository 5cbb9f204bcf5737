"""`botguard drill`: Run the kill switch end to end against the simulator and record it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app


@app.command("drill")
def drill_command(
    config: ConfigOption = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Sim scenario to drill against [default: the live accounts' exposure, read only].",
        ),
    ] = None,
) -> int:
    """Run the kill switch end to end against the simulator and record it."""
    import asyncio

    from rich.console import Console

    from botguard.config import load_config
    from botguard.kill.drill import run_drill
    from botguard.kill.report import render

    cfg = load_config(config)
    report = asyncio.run(run_drill(cfg, scenario))
    console = Console()
    render(report, console)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(report.timings.items()))
    console.print(f"drill {report.status} ({timings}); recorded in the journal")
    return report.exit_code
