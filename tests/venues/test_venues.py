"""Venue layer: error translation, preset options (no hidden preflight), markets cache."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import ccxt
import pytest

from botguard.config import parse_config
from botguard.errors import VenueError
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim
from botguard.venues import open_venue
from botguard.venues.errors import (
    ClockSkew,
    OrderNotFound,
    OrderRejected,
    VenueAuthError,
    VenueUnavailable,
    VenueUnsupported,
    translate,
)
from botguard.venues.types import LandedOrder, Side


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ccxt.RequestTimeout("t"), VenueUnavailable),
        (ccxt.RateLimitExceeded("429"), VenueUnavailable),
        (ccxt.DDoSProtection("418"), VenueUnavailable),
        (ccxt.ExchangeNotAvailable("503"), VenueUnavailable),
        (ccxt.InvalidNonce("-1021"), ClockSkew),  # a VenueUnavailable: retried, after a resync
        (ccxt.BadResponse("200 without its list"), VenueUnavailable),
        (ccxt.AuthenticationError("-2015"), VenueAuthError),
        (ccxt.PermissionDenied("no"), VenueAuthError),
        (ccxt.OrderNotFound("-2011"), OrderNotFound),
        (ccxt.InsufficientFunds("-2010"), OrderRejected),
        (ccxt.InvalidOrder("-1013"), OrderRejected),
        (ccxt.NotSupported("x"), VenueUnsupported),
        (ccxt.ExchangeError("other"), VenueError),
    ],
)
def test_translate_maps_every_ccxt_family(exc: Exception, expected: type[Exception]) -> None:
    out = translate(exc)
    assert type(out) is expected
    assert not isinstance(out, ccxt.BaseError)


def _config(tmp_path: Path, url: str, markets: list[str]) -> object:
    return parse_config(
        {
            "bot": {"name": "b"},
            "state": {"dir": str(tmp_path)},
            "account": [{"name": "main", "exchange": "binance", "markets": markets,
                         "api_key": "env:BOTGUARD_CANARY_API_KEY",
                         "secret": "env:BOTGUARD_CANARY_SECRET", "base_url": url}],
        },
        path=tmp_path / "botguard.toml",
    )  # fmt: skip


@pytest.mark.sim
async def test_no_preflight_calls_and_markets_come_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    acct = {"name": "main", "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"], "spot": {"USDT": "10"}}  # fmt: skip
    async with start_sim({"account": [acct]}) as sim:
        config = _config(tmp_path, sim.url, ["spot", "swap"])
        account = config.account[0]  # type: ignore[attr-defined]
        first = open_venue(account, cache_dir=tmp_path / "markets")
        await first.load_markets()
        await first.exposure()
        await first.close()
        paths = [e["path"] for e in sim.log()]
        sim.clear_log()
        second = open_venue(account, cache_dir=tmp_path / "markets")
        await second.load_markets()
        assert second.market_info("BTC/USDT:USDT") is not None
        await second.close()
        assert sim.log() == []  # markets from the state-dir cache: no request at all
    assert not any(p.startswith("/sapi/") for p in paths)  # fetchCurrencies/margins preset off
    assert "/fapi/v1/leverageBracket" not in paths  # leverageBrackets preset
    assert "/dapi/v1/exchangeInfo" not in paths  # only spot and linear markets
    assert list((tmp_path / "markets").glob("markets-binance-*.json"))


@pytest.mark.sim
async def test_order_by_client_id_answers_a_landed_order_as_a_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    acct = {"name": "main", "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
            "spot": {"BTC": "1", "USDT": "10"}}  # fmt: skip
    async with start_sim({"account": [acct]}) as sim:
        config = _config(tmp_path, sim.url, ["spot"])
        venue = open_venue(config.account[0], cache_dir=tmp_path / "markets")  # type: ignore[attr-defined]
        try:
            await venue.load_markets()
            order_id = await venue.sell("BTC/USDT", Side.SELL, Decimal("0.01"), "bg-lookup-1")
            found = await venue.order_by_client_id("BTC/USDT", "spot", "bg-lookup-1")
            missing = await venue.order_by_client_id("BTC/USDT", "spot", "bg-never-sent")
        finally:
            await venue.close()
    assert found == LandedOrder(id=order_id, status="closed", filled=found.filled)
    assert Decimal(found.filled) == Decimal("0.01")
    assert missing is None
