"""`import botguard` exposes the kill switch eagerly, without importing ccxt."""

from __future__ import annotations

import subprocess
import sys


def test_botguard_kill_is_the_kill_function_and_ccxt_is_not_loaded() -> None:
    code = (
        "import sys, inspect, botguard\n"
        "assert inspect.iscoroutinefunction(botguard.kill), botguard.kill\n"
        "assert botguard.KillSwitch.__name__ == 'KillSwitch'\n"
        "assert botguard.KillReport.__name__ == 'KillReport'\n"
        "print('ccxt' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
