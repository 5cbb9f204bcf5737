"""`botguard scan`: Find the bot's secrets wherever they escaped: files, git history, logs, host."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("scan")
def scan_command(config: ConfigOption = None) -> int:
    """Find the bot's secrets wherever they escaped: files, git history, logs, host."""
    raise UsageError("botguard scan is not built yet")
