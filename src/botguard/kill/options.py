"""KillOptions: how one kill runs, as a value a typo cannot slip into.

A dict of options let `trigger(reason, dryrun=True)` run a live kill: the misspelt key
was carried along and the real `dry_run` kept its default. A frozen, keyword-only
dataclass turns that typo into a TypeError before anything is touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

KillKind = Literal["kill", "drill"]


@dataclass(frozen=True, slots=True, kw_only=True)
class KillOptions:
    """The options of one kill run (the CLI flags and the library keywords)."""

    reason: str = "manual"
    """Why: journaled, alerted and written into the halt flag."""
    dry_run: bool = False
    """Read and plan only: no halt, no order."""
    flatten: bool = True
    """Close positions and sell assets after cancelling (False: cancel only)."""
    halt: bool = True
    """Raise the halt flag and stop the bot (unit, pid) before touching the exchange."""
    deadline_s: float | None = None
    """Seconds to get flat; None takes `[kill] deadline_s`."""
    inside_bot: bool = False
    """The kill runs in the bot's own process (its guard tripped, its KillSwitch): the
    pid file's pid is then this process, which is halted by the flag, not signalled."""
    kind: KillKind = "kill"
    """The journal's run kind."""

    def __post_init__(self) -> None:
        deadline = self.deadline_s
        if deadline is not None and not (math.isfinite(deadline) and deadline > 0):
            raise ValueError(f"deadline_s must be a positive number of seconds, not {deadline}")
