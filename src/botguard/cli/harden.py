"""`botguard harden`: Write a hardened systemd unit, sshd drop-in and firewall for the bot."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("harden")
def harden_command(config: ConfigOption = None) -> int:
    """Write a hardened systemd unit, sshd drop-in and firewall for the bot."""
    raise UsageError("botguard harden is not built yet")
