"""Guardian and fleet tests: real `botguard watch` processes against a sim in a thread."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from botguard.testing.canary import CANARIES

BTC = "BTC/USDT:USDT"
LONG = {"positions": [{"symbol": BTC, "side": "long", "amount": 2, "entry_price": 20_000}]}


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def sim_account(name: str, **extra: Any) -> dict[str, Any]:
    """A futures account on the sim; `main` is keyed by the canary, others by a suffix."""
    suffix = "" if name == "main" else name
    return {
        "name": name,
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"] + suffix,
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "futures": {"USDT": 100_000},
        **extra,
    }


def scenario(*accounts: dict[str, Any]) -> dict[str, Any]:
    return {"account": list(accounts), "prices": {BTC: 20_000}}


def write_config(
    folder: Path, url: str, *, account: str = "main", key_env: str = "", extra: str = ""
) -> Path:
    """A botguard.toml for one sim account, state in `folder/state`, no trip conditions."""
    folder.mkdir(parents=True, exist_ok=True)
    key = key_env or "BOTGUARD_CANARY_API_KEY"
    path = folder / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"

[state]
dir = "state"

[[account]]
name = "{account}"
exchange = "binanceusdm"
api_key = "env:{key}"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["swap"]
base_url = "{url}"

[kill]
deadline_s = 20

[guard]
symbols = ["{BTC}"]
poll_s = 0.5
dead_man_s = 30
{extra}
""",
        encoding="utf-8",
    )
    return path


def botguard(*args: str, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-m", "botguard", *args]


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str) -> Any:
    until = time.monotonic() + timeout_s
    while not (result := predicate()):
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return result


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start botguard processes; every one still running at the end is stopped."""
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            botguard(*args),
            cwd=cwd,
            env={**os.environ, **CANARIES, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
