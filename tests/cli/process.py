"""Run `python -m botguard` as a real process, as a user or a cron job would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from botguard.testing.canary import CANARIES


def botguard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """botguard with the canary secrets in its environment and no terminal on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "botguard", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
