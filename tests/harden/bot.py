"""A tiny stand-in bot for `botguard run` tests.

It records what it received (secret values only as SHA-256 digests, so no
canary value ever lands in a test artefact; other variables by name only), then
waits for a signal or exits with the code it was given.

usage: bot.py REPORT_PATH [--exit CODE] [--wait SECONDS]
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def creds_dir_report() -> dict[str, object]:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return {}
    path = Path(directory)
    return {
        "dir": directory,
        "dir_mode": oct(path.stat().st_mode & 0o777),
        "dir_uid": path.stat().st_uid,
        "files": {p.name: digest(p.read_text()) for p in sorted(path.iterdir())},
        "file_modes": sorted({oct(p.stat().st_mode & 0o777) for p in path.iterdir()}),
    }


def core_limit() -> list[str]:
    """Soft and hard RLIMIT_CORE as /proc/self/limits shows them."""
    for line in Path("/proc/self/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return line.split()[4:6]
    return []


def main() -> int:
    report = Path(sys.argv[1])
    args = sys.argv[2:]
    code = int(args[args.index("--exit") + 1]) if "--exit" in args else 0
    wait = float(args[args.index("--wait") + 1]) if "--wait" in args else 0.0
    got: list[str] = []

    def on_signal(signum: int, frame: object) -> None:
        got.append(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    env = {k: digest(v) for k, v in os.environ.items() if "canary" in k.lower()}
    state = {
        "pid": os.getpid(),
        "env": env,
        "env_names": sorted(os.environ),
        "core_limit": core_limit(),
        "creds": creds_dir_report(),
        "signals": got,
    }
    report.write_text(json.dumps(state))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not got:
        time.sleep(0.01)
    state["signals"] = got
    report.write_text(json.dumps(state))
    return 40 + len(got) if got else code


if __name__ == "__main__":
    sys.exit(main())
