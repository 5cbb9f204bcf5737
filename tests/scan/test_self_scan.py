"""This repository passes its own leak scan: every credential-shaped string in it is a
test fixture accepted in .botguard-baseline.json, and nothing else may be added."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_repository_scans_clean_against_its_baseline() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "botguard", "scan", ".", "--baseline", ".botguard-baseline.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No leaks found." in done.stdout
