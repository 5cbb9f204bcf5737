"""Kill tests: a botguard config pointed at an in-loop sim, sim accounts keyed by the canaries."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from botguard.config import Config, parse_config
from botguard.testing.canary import CANARIES


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    # a second account's key (the canary with a suffix, so a leak is still caught)
    monkeypatch.setenv("BOTGUARD_CANARY_API_KEY_ALT", CANARIES["BOTGUARD_CANARY_API_KEY"] + "alt")


SHORT_LANDING_WINDOW_S = 0.5


@pytest.fixture
def short_landing_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """Every venue's landing window cut to SHORT_LANDING_WINDOW_S, for tests whose faults
    never land an order late: the sim's `timeout`, `reset` and 5xx drop the request
    unplaced, so waiting out the real window (6 s Binance, 10 s OKX/Bybit) before the
    second lookup is idle time and changes no outcome. Tests of the window itself (the
    sim's `late` fault, test_no_double_close.py) keep the real one."""
    from botguard.venues.binance import BinanceVenue
    from botguard.venues.bybit import BybitVenue
    from botguard.venues.ccxt_venue import CcxtVenue
    from botguard.venues.okx import OkxVenue

    for cls in (CcxtVenue, BinanceVenue, BybitVenue, OkxVenue):
        short = dataclasses.replace(cls.quirks, landing_window_s=SHORT_LANDING_WINDOW_S)
        monkeypatch.setattr(cls, "quirks", short)
    return SHORT_LANDING_WINDOW_S


def sim_account(name: str = "main", **overrides: Any) -> dict[str, Any]:
    """A sim account whose key is the canary (so a leak would be caught)."""
    base: dict[str, Any] = {
        "name": name,
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"] + ("" if name == "main" else name),
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "permissions": {"spot": True, "futures": True},
        "spot": {"USDT": "10000"},
        "futures": {"USDT": "10000"},
    }
    base.update(overrides)
    return base


def bg_account(url: str, name: str = "main", **overrides: Any) -> dict[str, Any]:
    """The botguard [[account]] for a sim account of the same name."""
    base: dict[str, Any] = {
        "name": name,
        "exchange": "binance",
        "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET",
        "markets": ["spot", "swap"],
        "base_url": url,
    }
    base.update(overrides)
    return base


def make_config(tmp: Path, accounts: list[dict[str, Any]], **kill: Any) -> Config:
    raw = {
        "bot": {"name": "gridbot"},
        "state": {"dir": str(tmp / "state")},
        "account": accounts,
        "kill": {"deadline_s": 20, **kill},
    }
    return parse_config(raw, path=tmp / "botguard.toml")
