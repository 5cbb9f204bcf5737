"""How a kill ends, in the words the journal, JSON reports and the fleet use.

A module of its own, importing nothing, so the audit's drill check, `botguard status` and
the fleet's wire states read success from the same place as the kill's exit code.
"""

from __future__ import annotations

from enum import StrEnum


class AccountStatus(StrEnum):
    """How one account's kill ended; the values are the journal's and JSON's strings."""

    RUNNING = "running"
    FLAT = "flat"
    """A fresh read of the exchange's own books showed nothing left (exit 0)."""
    CANCELLED = "cancelled"
    """`--no-flatten`: every order cancelled and verified by a fresh read; positions and
    coins kept, as asked (exit 0: the action asked for is done). Never called flat."""
    RESIDUAL = "residual"
    """Exposure remains that the kill could not remove (exit 1)."""
    UNVERIFIED = "unverified"
    """Nothing visible remains, but part of the account could not be read (exit 1)."""
    FAILED = "failed"
    """botguard itself failed (a bug, not the exchange): exposure unknown (exit 1)."""
    UNREACHABLE = "unreachable"
    """The exchange could not be reached or the deadline passed (exit 3)."""
    PLANNED = "planned"
    """A dry run: the plan was shown, nothing was sent."""


SUCCESS = frozenset({AccountStatus.FLAT, AccountStatus.CANCELLED})
"""The statuses that end a kill with exit 0: what was asked for is done and verified."""
SUCCESS_VALUES = frozenset(status.value for status in SUCCESS)
"""SUCCESS as the journal's and the fleet's strings."""
