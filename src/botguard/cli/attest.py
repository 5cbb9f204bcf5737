"""`botguard attest`: Record that a person checked a box no API can show (2FA, alerts...)."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("attest")
def attest_command(config: ConfigOption = None) -> int:
    """Record that a person checked a box no API can show (2FA, alerts...)."""
    raise UsageError("botguard attest is not built yet")
