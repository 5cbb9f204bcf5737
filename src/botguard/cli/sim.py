"""`botguard sim`: Run the local simulated exchange (Binance spot + USDT-M futures)."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("sim")
def sim_command(config: ConfigOption = None) -> int:
    """Run the local simulated exchange (Binance spot + USDT-M futures)."""
    raise UsageError("botguard sim is not built yet")
