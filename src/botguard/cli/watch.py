"""`botguard watch`: Watchdog beside the bot: trip the kill switch on anomalies."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("watch")
def watch_command(config: ConfigOption = None) -> int:
    """Watchdog beside the bot: trip the kill switch on anomalies."""
    raise UsageError("botguard watch is not built yet")
