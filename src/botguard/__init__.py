"""botguard: secure a crypto trading bot.

Audit the seed checklist against the real exchange and host, find leaked secrets,
and stop everything with one tested, verified kill switch.
"""

from __future__ import annotations

__version__ = "0.1.0"

from botguard.config import load_config
from botguard.guard import guard  # eager: `botguard.guard(exchange, policy)`
from botguard.kill import KillReport, KillSwitch, kill  # eager: `await botguard.kill(config)`
from botguard.secrets import Secret, install_redaction, resolve_secret

__all__ = [
    "KillReport",
    "KillSwitch",
    "Secret",
    "__version__",
    "guard",
    "install_redaction",
    "kill",
    "load_config",
    "resolve_secret",
]
