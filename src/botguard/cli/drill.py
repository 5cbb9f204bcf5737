"""`botguard drill`: Run the kill switch end to end against the simulator and record it."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("drill")
def drill_command(config: ConfigOption = None) -> int:
    """Run the kill switch end to end against the simulator and record it."""
    raise UsageError("botguard drill is not built yet")
