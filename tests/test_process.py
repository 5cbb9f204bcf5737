"""One meaning of "the process is still running", for the kill, the demo and their tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from botguard.process import is_running


def _wait_zombie(pid: int, timeout_s: float = 30.0) -> None:
    """Until /proc says the exited, unreaped child is a zombie (a condition, not a sleep)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
            return
        time.sleep(0.01)
    raise AssertionError(f"child {pid} did not exit in {timeout_s} s")


def test_a_running_process_is_running() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert is_running(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def test_an_exited_unreaped_child_is_not_running() -> None:
    """A zombie has exited: it cannot trade, so a kill must not wait on it as if it could."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        _wait_zombie(proc.pid)
        assert not is_running(proc.pid)
    finally:
        proc.wait()
    assert not is_running(proc.pid)


def test_this_process_is_running() -> None:
    assert is_running(os.getpid())
