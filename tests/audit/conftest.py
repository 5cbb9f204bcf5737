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
    """Build a config with [bot] overrides (one offline account unless accounts= says)."""
    return lambda accounts=None, **bot: make_config(tmp_path, accounts=accounts, **bot)


def account(name: str = "main", base_url: str | None = None, **extra: Any) -> dict[str, Any]:
    """One [[account]] table on binance with the canary keys (base_url: a sim)."""
    table: dict[str, Any] = {
        "name": name,
        "exchange": "binance",
        "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET",
        **extra,
    }
    return table | ({"base_url": base_url} if base_url else {})


def make_config(
    tmp_path: Path, *, accounts: list[dict[str, Any]] | None = None, **bot: Any
) -> Config:
    """A config; [bot] fields overridable; one binance account by default."""
    raw: dict[str, Any] = {
        "bot": {"name": "bot", **bot},
        "state": {"dir": str(tmp_path / "state")},
        "account": [account()] if accounts is None else accounts,
    }
    return parse_config(raw, path=tmp_path / "botguard.toml")


@pytest.fixture(autouse=True)
def _canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
