"""Stopping the bot: SIGTERM, then SIGKILL after the grace period; real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from botguard.kill.halt import signal_pidfile, stop_unit
from botguard.kill.stop import StopStatus


def _spawn(code: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", code, str(ready)])
    while not ready.exists():
        pass
    pidfile = tmp_path / "bot.pid"
    pidfile.write_text(f"{proc.pid}\n")
    return proc, pidfile


async def test_a_bot_that_exits_on_sigterm_gets_no_sigkill(tmp_path: Path) -> None:
    proc, pidfile = _spawn(
        "import sys, time, pathlib; pathlib.Path(sys.argv[1]).touch(); time.sleep(60)", tmp_path
    )
    record = await signal_pidfile(pidfile, grace_s=5)
    proc.wait(timeout=5)
    assert record.signals == ("SIGTERM",)
    assert record.status is StopStatus.STOPPED


async def test_a_bot_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    code = (
        "import signal, sys, time, pathlib\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "pathlib.Path(sys.argv[1]).touch()\n"
        "time.sleep(60)\n"
    )
    proc, pidfile = _spawn(code, tmp_path)
    record = await signal_pidfile(pidfile, grace_s=0.3)
    assert proc.wait(timeout=5) == -9
    assert record.signals == ("SIGTERM", "SIGKILL")
    assert record.sentence().endswith("SIGTERM -> SIGKILL -> exited")


async def test_a_missing_pidfile_is_recorded_not_raised(tmp_path: Path) -> None:
    record = await signal_pidfile(tmp_path / "none.pid", grace_s=0)
    assert record.status is StopStatus.REFUSED
    assert "no pid file" in record.detail


def test_stop_unit_records_what_happened() -> None:
    record = stop_unit("botguard-test-no-such-unit.service", timeout_s=5)
    assert record.unit == "botguard-test-no-such-unit.service"
    assert record.status is StopStatus.FAILED  # no such unit (or no systemctl): said, not raised
