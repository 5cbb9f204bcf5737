"""botguard: secure a crypto trading bot.

Audit the seed checklist against the real exchange and host, find leaked secrets,
and stop everything with one tested, verified kill switch.

Light to import: every command's process starts here, so only `guard` and `kill`
are bound eagerly and the rest on first use. Those two share their names with
subpackages (`botguard.guard`, `botguard.kill`): importing a subpackage sets the
parent's attribute to the module, so a lazy `__getattr__` would hand a bot the
module where it asked for the function once anything had imported, say,
`botguard.kill.plan`. Binding them here, after their subpackages are imported,
keeps `botguard.guard(...)` and `await botguard.kill(config)` the functions; both
subpackages' `__init__` modules are small for that reason.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from botguard.guard import guard  # eager: `botguard.guard(exchange, policy)`
from botguard.kill import kill  # eager: `await botguard.kill(config)`

if TYPE_CHECKING:
    from botguard.config import load_config
    from botguard.kill import KillReport, KillSwitch
    from botguard.secrets import Secret, install_redaction, resolve_secret

_LAZY = {
    "KillReport": "botguard.kill",
    "KillSwitch": "botguard.kill",
    "Secret": "botguard.secrets",
    "install_redaction": "botguard.secrets",
    "load_config": "botguard.config",
    "resolve_secret": "botguard.secrets",
}
"""Public names imported on first use: pydantic (config) and the kill's report are
most of a `botguard kill` start-up that the guardian can answer without them."""

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


def __getattr__(name: str) -> Any:
    """Import a lazy public name once; later lookups find it bound on the module."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
