"""botguard.guard: pre-trade limits in the bot, and the watchdog beside it.

Light on purpose: `import botguard` imports this, and `botguard kill` must start
fast, so only the wrapper's entry point is imported here (it imports ccxt-facing
modules when called).
"""

from __future__ import annotations

from typing import Any

from botguard.guard.guard import guard, guard_of
from botguard.guard.state import GuardState

__all__ = ["GuardRejected", "GuardState", "GuardTripped", "guard", "guard_of"]


def __getattr__(name: str) -> Any:
    """The exceptions subclass ccxt's, so they import ccxt: only when asked for."""
    if name in ("GuardRejected", "GuardTripped"):
        from botguard.guard import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
