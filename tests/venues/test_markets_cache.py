"""The markets cache steers what the kill sends (ids, precision): it is used only when it is
private to botguard's user, else the markets are reloaded from the exchange."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.config import AccountConfig, parse_config
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim
from botguard.venues import open_venue

pytestmark = pytest.mark.sim

EXCHANGE_INFO = ("/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo")


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def account(tmp_path: Path, url: str) -> AccountConfig:
    config = parse_config(
        {"bot": {"name": "b"}, "state": {"dir": str(tmp_path)},
         "account": [{"name": "main", "exchange": "binance", "markets": ["spot", "swap"],
                      "api_key": "env:BOTGUARD_CANARY_API_KEY",
                      "secret": "env:BOTGUARD_CANARY_SECRET", "base_url": url}]},
        path=tmp_path / "botguard.toml",
    )  # fmt: skip
    return config.account[0]


async def load(tmp_path: Path, url: str) -> None:
    venue = open_venue(account(tmp_path, url), cache_dir=tmp_path / "markets")
    try:
        await venue.load_markets()
    finally:
        await venue.close()


@pytest.mark.parametrize(("mode", "reloads"), [(0o600, 0), (0o644, 0), (0o666, 2), (0o620, 2)])
async def test_a_cache_others_can_write_is_reloaded(
    tmp_path: Path, mode: int, reloads: int
) -> None:
    async with start_sim({"account": []}) as sim:
        await load(tmp_path, sim.url)  # writes the cache
        (cache,) = (tmp_path / "markets").glob("*.json")
        cache.chmod(mode)
        sim.clear_log()
        await load(tmp_path, sim.url)
        log = sim.log()
    assert len([e for e in log if e["path"] in EXCHANGE_INFO]) == reloads
