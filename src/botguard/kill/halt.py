"""The halt flag: a file in the state dir that guard, run and watch all honour.

While it exists the bot must not open new exposure; `botguard run` refuses to
start the bot, and the in-process guard refuses every order but cancels and
reduce-only exits.
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


def stop_unit(unit: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """`systemctl stop UNIT`; what happened, never raising (the kill goes on regardless)."""
    import shutil
    import subprocess

    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return {"unit": unit, "stopped": False, "error": "systemctl not found"}
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, unit name validated by config
            [systemctl, "stop", "--", unit], capture_output=True, text=True, timeout=timeout_s
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"unit": unit, "stopped": False, "error": str(exc)}
    return {"unit": unit, "stopped": proc.returncode == 0, "rc": proc.returncode,
            "error": proc.stderr.strip()[:200]}  # fmt: skip


def _alive(pid: int) -> bool:
    """The pid exists and is not a zombie (an exited child nobody reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


async def signal_pidfile(pidfile: Path, *, grace_s: float) -> dict[str, Any]:
    """SIGTERM the pid in `pidfile`, SIGKILL it if still alive after `grace_s`."""
    import asyncio
    import signal
    import time

    try:
        pid = int(pidfile.read_text(encoding="utf-8").split()[0])  # noqa: ASYNC240 - tiny file
    except (OSError, ValueError, IndexError) as exc:
        return {"pidfile": str(pidfile), "stopped": False, "error": f"no pid: {exc}"}
    record: dict[str, Any] = {"pidfile": str(pidfile), "pid": pid, "signals": []}
    if not _alive(pid):
        return {**record, "stopped": True, "note": "not running"}
    try:
        os.kill(pid, signal.SIGTERM)
        record["signals"].append("SIGTERM")
        end = time.monotonic() + grace_s
        while _alive(pid) and time.monotonic() < end:  # noqa: ASYNC110 - no event for a pid
            await asyncio.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            record["signals"].append("SIGKILL")
    except ProcessLookupError:
        pass
    except PermissionError as exc:
        return {**record, "stopped": False, "error": str(exc)}
    return {**record, "stopped": True}
