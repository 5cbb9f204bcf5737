"""`botguard secrets check`: resolve every reference and show fingerprints, never values."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, secrets_app
from botguard.errors import UsageError


@secrets_app.command("check")
def check_command(config: ConfigOption = None) -> int:
    """Resolve every secret reference in the config; show length and fingerprint."""
    raise UsageError("botguard secrets check is not built yet")
