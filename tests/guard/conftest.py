"""Guard test helpers: a hand-driven clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


class ManualClock:
    """A Clock whose time moves only when a test says so."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


BTC = "BTC/USDT:USDT"


def scenario(**account: object) -> dict[str, object]:
    """One futures+spot account keyed with the canary credentials; BTC at 20,000."""
    from botguard.testing.canary import CANARIES

    return {
        "account": [
            {
                "name": "main",
                "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
                "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
                "futures": {"USDT": 100_000},
                "spot": {"USDT": 100_000},
                **account,
            }
        ],
        "prices": {BTC: 20_000, "BTC/USDT": 20_000},
    }


def make_config(tmp_path: object, url: str, **guard: object) -> object:
    """A botguard Config for the sim's account, with these [guard] limits."""
    from pathlib import Path

    from botguard.config import parse_config

    base = Path(str(tmp_path))
    raw = {
        "bot": {"name": "gridbot", "client_id_prefix": "bg"},
        "state": {"dir": str(base / "state")},
        "account": [
            {
                "name": "main",
                "exchange": "binanceusdm",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
                "markets": ["swap"],
                "base_url": url,
            }
        ],
        "guard": guard,
    }
    return parse_config(raw, path=base / "botguard.toml")


@pytest.fixture
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from botguard.testing.canary import CANARIES

    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
