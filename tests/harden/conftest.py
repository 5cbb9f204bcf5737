"""Fixtures for harden and run: a botguard.toml whose bot is a tiny real Python script."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.config import Config, load_config
from botguard.testing.canary import CANARIES

BASE = """
[bot]
name = "gridbot"
user = "gridbot"
workdir = "{workdir}"
command = {command}
heartbeat = "{heartbeat}"

[state]
dir = "{state}"

[guard]
heartbeat_max_age_s = 0.4

[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
password = "env:BOTGUARD_CANARY_PASSWORD"
"""

WriteConfig = Callable[..., Path]


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private $XDG_RUNTIME_DIR: `run` puts credentials dirs there and cleans stale ones
    there, so these tests never touch another process's dirs in the shared /dev/shm."""
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


@pytest.fixture
def canary_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The canary secrets in the environment, as the config's env: references expect."""
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    return CANARIES


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write botguard.toml (BASE plus `extra` TOML) and return its path."""

    def write(*, command: list[str] | None = None, extra: str = "", **fields: str) -> Path:
        values = {
            "workdir": str(tmp_path),
            "command": _toml_list(command if command is not None else [sys.executable, "bot.py"]),
            "heartbeat": str(tmp_path / "heartbeat"),
            "state": str(tmp_path / "state"),
            **fields,
        }
        path = tmp_path / "botguard.toml"
        path.write_text(BASE.format(**values) + extra, encoding="utf-8")
        return path

    return write


@pytest.fixture
def config(write_config: WriteConfig) -> Config:
    """The default test config, loaded."""
    return load_config(write_config())


def _toml_list(items: list[str]) -> str:
    return (
        "["
        + ", ".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items)
        + "]"
    )
