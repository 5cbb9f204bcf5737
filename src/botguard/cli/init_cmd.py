"""`botguard init`: Write a starter botguard.toml, a .env template (mode 600) and .gitignore it."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("init")
def init_cmd_command(config: ConfigOption = None) -> int:
    """Write a starter botguard.toml, a .env template (mode 600) and .gitignore it."""
    raise UsageError("botguard init is not built yet")
