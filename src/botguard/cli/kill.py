"""`botguard kill`: Kill switch: halt the bot, cancel every order, flatten, verify flat."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("kill")
def kill_command(config: ConfigOption = None) -> int:
    """Kill switch: halt the bot, cancel every order, flatten, verify flat."""
    raise UsageError("botguard kill is not built yet")
