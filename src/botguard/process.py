"""Whether a process is still running: one meaning for the kill, the demo and the tests.

Running means the pid exists and is not a zombie. A zombie has already exited (it only
waits for its parent to reap it): it holds no sockets and cannot trade, so a kill that
waits for the bot to stop must count it as stopped, and the demo's "the bot is gone"
means the same. The demo used to count zombies as alive (a bare `kill(pid, 0)`); it
always reaps its own child, so only this one meaning is needed.
"""

from __future__ import annotations

import os
from pathlib import Path


def is_running(pid: int) -> bool:
    """The pid exists and is not a zombie (for pids > 1: see kill/botpid.special_refusal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return True  # not Linux, or it went between the two reads: kill(0) said it existed
    return text.rpartition(")")[2].split()[0] != "Z"
