"""Config builders for audit tests (secrets point at the canaries)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config, parse_config
from botguard.testing.canary import CANARIES

HOSTS = Path(__file__).parent.parent / "data" / "hosts"


@pytest.fixture
def hosts() -> Path:
    """The fixture host trees."""
    return HOSTS


@pytest.fixture
def config_for(tmp_path: Path) -> Callable[..., Config]:
    """Build a one-account config with [bot] overrides."""
    return lambda **bot: make_config(tmp_path, **bot)


def make_config(tmp_path: Path, **bot: Any) -> Config:
    """A one-account config; [bot] fields overridable."""
    raw: dict[str, Any] = {
        "bot": {"name": "bot", **bot},
        "state": {"dir": str(tmp_path / "state")},
        "account": [
            {
                "name": "main",
                "exchange": "binance",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
            }
        ],
    }
    return parse_config(raw, path=tmp_path / "botguard.toml")


@pytest.fixture(autouse=True)
def _canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
