"""The botguard process ends without the garbage collector's final passes.

With ccxt, aiohttp and pydantic loaded, interpreter shutdown spent 0.2 s collecting
objects after an audit had printed and journaled (issue 18: the whole process within
the in-process time + 0.5 s). The console entry point freezes them first; `main()`,
which libraries and tests call, never does. What the process wrote is all there.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from botguard.cli import main

HARDENED = Path(__file__).resolve().parent.parent / "data" / "hosts" / "hardened"

_FROZEN_AT_EXIT = """
import atexit, gc, runpy, sys
atexit.register(lambda: sys.stderr.write(f"frozen at exit: {gc.get_freeze_count()}\\n"))
runpy.run_module("botguard", run_name="__main__", alter_sys=True)
"""


def test_the_process_freezes_its_objects_before_exit_and_its_output_is_whole(
    tmp_path: Path,
) -> None:
    config = tmp_path / "botguard.toml"
    config.write_text(f'[bot]\nname = "bot"\n\n[state]\ndir = "{tmp_path / "state"}"\n')
    proc = subprocess.run(
        [sys.executable, "-c", _FROZEN_AT_EXIT, "audit", "-c", str(config), "--root",
         str(HARDENED), "--only", "host", "-f", "json", "-o", str(tmp_path / "report.json")],
        capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    frozen = int(proc.stderr.rsplit("frozen at exit: ", 1)[1].split()[0])
    assert frozen > 10_000
    assert json.loads((tmp_path / "report.json").read_text())["findings"]


def test_main_in_a_library_or_a_test_freezes_nothing(tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    assert main(["audit", "--root", str(tmp_path / "nowhere")]) == 2
    assert gc.get_freeze_count() == before
