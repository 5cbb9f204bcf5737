"""The local control socket's protocol: one JSON object per line, both ways.

Client -> guardian: one request line ({"op": "kill", ...}).
Guardian -> client: an "accepted" line, then "progress" lines, then one "report"
(or "error") line, then the guardian closes the connection.
Stdlib only: imported by `botguard kill` before anything heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SOCKET_NAME = "guardian.sock"
"""In the state dir (mode 0700), itself mode 0600."""
MAX_LINE = 1 << 20
"""A request or event line longer than this is refused (a rendered report is far smaller)."""


def socket_path(state_dir: Path) -> Path:
    """Where a running guardian listens."""
    return state_dir / SOCKET_NAME


@dataclass(frozen=True, slots=True)
class KillRequest:
    """What `botguard kill --yes` asks a guardian to do (the same flags as the cold path)."""

    accounts: tuple[str, ...] = ()
    """Empty: every configured account."""
    flatten: bool = True
    halt: bool = True
    deadline_s: float | None = None
    reason: str = "botguard kill"
    width: int = 100
    """The caller's terminal width, to render the report as the cold path would."""

    def encode(self) -> bytes:
        """The request line."""
        return dumps({"op": "kill", **asdict(self), "accounts": list(self.accounts)})

    @classmethod
    def decode(cls, raw: dict[str, Any]) -> KillRequest:
        """Validate a request from the socket; ValueError names what is wrong."""
        if raw.get("op") != "kill":
            raise ValueError("unknown op; expected kill")
        accounts = raw.get("accounts") or []
        if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
            raise ValueError("accounts must be a list of names")
        deadline = raw.get("deadline_s")
        if deadline is not None and not (
            isinstance(deadline, int | float) and 0.1 <= float(deadline) <= 3600
        ):
            raise ValueError("deadline_s must be between 0.1 and 3600")
        width = raw.get("width", 100)
        return cls(
            accounts=tuple(accounts),
            flatten=bool(raw.get("flatten", True)),
            halt=bool(raw.get("halt", True)),
            deadline_s=None if deadline is None else float(deadline),
            reason=str(raw.get("reason") or "botguard kill")[:200],
            width=min(200, max(40, width)) if isinstance(width, int) else 100,
        )


@dataclass(frozen=True, slots=True)
class KillAnswer:
    """The guardian's final line: the rendered report and its exit code."""

    exit_code: int
    report: str = ""
    """The rendered report tables, for stdout."""
    outcome: str = ""
    """`outcome_line` when the kill did not end flat, for stderr."""
    joined: bool = False
    """True when this request joined a kill that was already running."""
    run_id: str = ""


def dumps(obj: dict[str, Any]) -> bytes:
    """One protocol line."""
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"
