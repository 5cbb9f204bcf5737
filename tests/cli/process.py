"""Run `python -m botguard` as a real process, as a user or a cron job would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from botguard.testing.canary import CANARIES


def botguard(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """botguard with the canary secrets (and `env`) in its environment, no terminal on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "botguard", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
