"""Real processes for the halt tests: a bot with its pid file, `botguard kill` as users run it.

`sandbox()` runs a command in its own user + pid namespace (unshare), so a test that
hands botguard a pid file of `0` or `-1` cannot signal anything outside it even on a
botguard that would: on today's machine `kill(-1, SIGTERM)` as root is every process.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from botguard.testing.canary import CANARIES

BOT_CODE = "import pathlib, sys, time\npathlib.Path(sys.argv[1]).touch()\ntime.sleep(120)\n"


def write_bot(tmp_path: Path) -> Path:
    """A bot script that says it is ready and sleeps (the pid file is written by the test)."""
    path = tmp_path / "bot.py"
    path.write_text(BOT_CODE, encoding="utf-8")
    return path


def bot_argv(tmp_path: Path) -> list[str]:
    """The bot's command line (what `[bot] command` says when a test sets it)."""
    return [sys.executable, str(write_bot(tmp_path)), str(tmp_path / "bot.ready")]


def spawn_bot(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the bot (`python bot.py READY`), wait until it runs, write its pid file."""
    ready = tmp_path / "bot.ready"
    proc = subprocess.Popen(bot_argv(tmp_path))
    end = time.monotonic() + 20
    while not ready.exists() and time.monotonic() < end:
        time.sleep(0.01)
    pidfile = tmp_path / "bot.pid"
    pidfile.write_text(f"{proc.pid}\n", encoding="utf-8")
    return proc, pidfile


def spawn_foreign() -> subprocess.Popen[bytes]:
    """A process that is not the bot (`sleep`), once it runs its own program."""
    proc = subprocess.Popen(["sleep", "300"])
    end = time.monotonic() + 10
    while time.monotonic() < end and b"sleep" not in _cmdline(proc.pid):
        time.sleep(0.01)
    return proc


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def toml_value(value: Any) -> str:
    return json.dumps(str(value) if isinstance(value, Path) else value)


def write_config(
    tmp_path: Path,
    accounts: list[dict[str, Any]],
    *,
    bot: dict[str, Any] | None = None,
    kill: dict[str, Any] | None = None,
) -> Path:
    """botguard.toml with these [bot] keys, [kill] keys and accounts."""
    lines = ["[bot]", 'name = "gridbot"']
    lines += [f"{k} = {toml_value(v)}" for k, v in (bot or {}).items()]
    lines += ["[state]", f"dir = {toml_value(tmp_path / 'state')}", "[kill]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in {"deadline_s": 15, **(kill or {})}.items()]
    for account in accounts:
        lines.append("[[account]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in account.items()]
    path = tmp_path / "botguard.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def botguard_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "botguard", *args]


def run_botguard(
    *args: str, cwd: Path, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """botguard as its own process (own session, so its process group holds only itself)."""
    return subprocess.run(
        botguard_argv(*args),
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES, **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        start_new_session=True,
    )


@functools.cache
def can_sandbox() -> bool:
    """unshare can make a user + pid namespace here."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    done = subprocess.run(
        [unshare, *SANDBOX_FLAGS, "true"], capture_output=True, check=False, timeout=10
    )
    return done.returncode == 0


SANDBOX_FLAGS = ("--user", "--map-root-user", "--pid", "--fork", "--mount-proc")


def sandboxed(script: str, *, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a shell script in its own pid namespace (it is pid 1 there; nothing outside is seen)."""
    unshare = shutil.which("unshare")
    assert unshare is not None
    return subprocess.run(
        [unshare, *SANDBOX_FLAGS, "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES},
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        start_new_session=True,  # a process group of its own: kill(0) stays in the sandbox
    )


def alive(proc: subprocess.Popen[bytes]) -> bool:
    return proc.poll() is None


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a process this test started (by its own handle, never by name)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)
