"""botguard.guard: pre-trade limits in the bot, and the watchdog beside it.

Light on purpose: `import botguard` imports this, and `botguard kill` must start
fast, so only the wrapper's entry point is imported here (it imports ccxt-facing
modules when called).
"""

from __future__ import annotations

from botguard.guard.guard import guard, guard_of
from botguard.guard.state import GuardState

__all__ = ["GuardState", "guard", "guard_of"]
