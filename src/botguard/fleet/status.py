"""A guardian's status in the bucket (host.<name>): its heartbeat and its last report."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

FINAL = frozenset({"flat", "cancelled", "residual", "unreachable", "resumed"})
"""States that answer a command for good."""
KILL_STATES = {0: "flat", 1: "residual", 3: "unreachable"}
"""A kill's exit code -> the state the guardian reports."""


def kill_state(exit_code: int, status: str) -> str:
    """The state a guardian reports for its kill: `cancelled`, not flat, when a kill that
    did not flatten (`[kill] flatten = false`) kept positions or coins."""
    if exit_code == 0 and status == "cancelled":
        return "cancelled"
    return KILL_STATES.get(exit_code, "unreachable")


@dataclass(frozen=True, slots=True)
class HostStatus:
    """What a guardian writes to its own key (and nothing else)."""

    host: str
    groups: list[str] = field(default_factory=list)
    state: str = "watching"
    """watching | halted | halting | cancelling | flattening | flat | cancelled | residual
    | unreachable | resumed"""
    command: str = ""
    """The nonce of the command this state answers ('' for none)."""
    exit_code: int | None = None
    detail: str = ""
    halted: bool = False
    """The halt flag is up on this host."""
    at: int = field(default_factory=lambda: int(time.time() * 1000))
    """When it was written (ms, the guardian's clock): the heartbeat."""

    def encode(self) -> bytes:
        """The bucket value."""
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def decode(cls, value: bytes) -> HostStatus | None:
        """A status read from the bucket; None if it is not one."""
        try:
            raw: dict[str, Any] = json.loads(value)
            return cls(
                host=str(raw["host"]),
                groups=[str(g) for g in raw.get("groups", [])],
                state=str(raw.get("state", "")),
                command=str(raw.get("command", "")),
                exit_code=None if raw.get("exit_code") is None else int(raw["exit_code"]),
                detail=str(raw.get("detail", ""))[:300],
                halted=bool(raw.get("halted", False)),
                at=int(raw.get("at", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def age_s(self) -> float:
        """Seconds since this status was written."""
        return max(0.0, time.time() - self.at / 1000)
