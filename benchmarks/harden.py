"""systemd-analyze security scores: botguard's generated units next to freqtrade's.

Baseline: the two units freqtrade's documentation tells users to install
(`freqtrade.service` and `freqtrade.service.watchdog`, reproduced in tests/data/).
Each unit is scored offline (`systemd-analyze security --offline=yes`): the
overall exposure (0 = locked down, 10 = wide open; systemd calls <= 2.0 "OK")
and how many of the 80-odd settings it checks are satisfied.

usage: .venv/bin/python benchmarks/harden.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from botguard.config import parse_config
from botguard.harden.bundle import build_bundle, write_bundle
from botguard.harden.model import Kind
from botguard.harden.validate import unit_exposure

DATA = Path(__file__).parent.parent / "tests" / "data"
CONFIG = {
    "bot": {
        "name": "gridbot",
        "user": "gridbot",
        "workdir": "/opt/gridbot",
        "command": [sys.executable, "bot.py"],
        "heartbeat": "/run/gridbot/heartbeat",
    },
    "state": {"dir": "/var/lib/botguard"},
    "account": [
        {"name": "main", "exchange": "binance", "api_key": "env:EX_API_KEY",
         "secret": "env:EX_API_SECRET"},
    ],
}  # fmt: skip


def settings(unit: Path) -> tuple[int, int]:
    """(satisfied, failing) settings in systemd-analyze's JSON."""
    proc = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--json=short", str(unit)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    rows = json.loads(proc.stdout)
    return sum(r["set"] is True for r in rows), sum(r["set"] is False for r in rows)


def score(table: Table, label: str, unit: Path) -> None:
    started = time.perf_counter()
    exposure = unit_exposure(unit)
    elapsed_ms = (time.perf_counter() - started) * 1000
    good, bad = settings(unit)
    table.add_row(label, f"{exposure.score:.1f}", exposure.level, str(good), str(bad),
                  f"{elapsed_ms:.0f}")  # fmt: skip


def main() -> int:
    if shutil.which("systemd-analyze") is None:
        print("systemd-analyze is not installed; nothing to measure")
        return 2
    version = subprocess.run(["systemd-analyze", "--version"], capture_output=True, text=True)
    table = Table(title=f"systemd-analyze security --offline ({version.stdout.splitlines()[0]})")
    for column in ("unit", "exposure", "level", "settings ok", "settings not ok", "ms"):
        table.add_column(column, justify="left" if column in ("unit", "level") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("freqtrade.service", "freqtrade-watchdog.service"):
            unit = Path(tmp) / name
            unit.write_text((DATA / name).read_text())
            score(table, f"freqtrade docs: {name}", unit)
        config = parse_config(CONFIG, path=Path(tmp) / "botguard.toml")
        files = build_bundle(config)
        write_bundle(files, Path(tmp) / "out")
        for item in files:
            if item.kind is Kind.UNIT:
                score(
                    table, f"botguard harden: {Path(item.name).name}", Path(tmp) / "out" / item.name
                )
    Console(width=120).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
