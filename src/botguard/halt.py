"""The halt flag: a file in the state dir that kill raises and guard, run, watch and
harden honour.

It lives here, below all of them, so guard, harden and fleet do not reach into the
kill package for a file they all share (botguard.kill.halt re-exports it for old imports).

While it exists the bot must not open new exposure; `botguard run` refuses to start
the bot, and the in-process guard refuses every order but cancels and reduce-only exits.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botguard.fsutil import write_atomic

HALT_FLAG = "HALTED"


def halt_flag_path(state_dir: Path) -> Path:
    """Where the halt flag lives."""
    return state_dir / HALT_FLAG


def set_halt(state_dir: Path, reason: str, *, by: str = "botguard") -> Path:
    """Raise the halt flag (atomically; re-raising keeps the first reason)."""
    from botguard.config import make_state_dir  # lazy: the guard imports this in the bot

    make_state_dir(state_dir)
    path = halt_flag_path(state_dir)
    if path.exists():
        return path
    body = {"reason": reason, "by": by, "at": datetime.now(UTC).isoformat(), "pid": os.getpid()}
    write_atomic(path, json.dumps(body), mode=0o644)  # the bot's user reads it (group/other)
    return path


def is_halted(state_dir: Path) -> bool:
    """True while the halt flag is raised."""
    return halt_flag_path(state_dir).exists()


def read_halt(state_dir: Path) -> dict[str, Any] | None:
    """The flag's reason, who raised it and when; None when not halted."""
    path = halt_flag_path(state_dir)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):  # anything but botguard's own object: halted all the same
        return {"reason": "unreadable halt flag", "by": "unknown", "at": ""}
    return data


def clear_halt(state_dir: Path) -> bool:
    """Lower the flag; True if it was raised."""
    try:
        halt_flag_path(state_dir).unlink()
    except FileNotFoundError:
        return False
    return True
