"""`botguard run`: Pre-flight gate: audit, then start the bot with its secrets."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("run")
def run_cmd_command(config: ConfigOption = None) -> int:
    """Pre-flight gate: audit, then start the bot with its secrets."""
    raise UsageError("botguard run is not built yet")
