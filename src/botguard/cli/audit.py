"""`botguard audit`: Tick every box of the security checklist against the exchange and this host."""

from __future__ import annotations

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError


@app.command("audit")
def audit_command(config: ConfigOption = None) -> int:
    """Tick every box of the security checklist against the exchange and this host."""
    raise UsageError("botguard audit is not built yet")
