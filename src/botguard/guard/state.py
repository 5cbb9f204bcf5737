"""The guard's trading state, with nautilus_trader's meanings."""

from __future__ import annotations

from enum import StrEnum


class GuardState(StrEnum):
    """What the in-process guard lets through.

    Cancels are always allowed, whatever the state (a guard that blocks cancels
    makes a runaway worse).
    """

    ACTIVE = "active"
    """Every order that passes the limits is sent."""
    REDUCING = "reducing"
    """Only orders that shrink exposure are sent (a daily loss limit was hit)."""
    HALTED = "halted"
    """The halt flag is raised: no new order; reduce-only exits still pass."""
