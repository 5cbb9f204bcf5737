"""`botguard demo`: The whole story on the simulated exchange, no keys needed."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("demo")
def demo_command(config: ConfigOption = None) -> int:
    """The whole story on the simulated exchange, no keys needed."""
    raise UsageError("botguard demo is not built yet")
