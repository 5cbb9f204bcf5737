"""host.clock_synced against a real `botguard sim` over HTTP (unmodified ccxt `fetch_time`).

The sim's clock is this machine's, so a real skew is made by giving the audit a
local clock that runs ahead (botguard.clock.Clock is the injection seam).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from botguard.audit import run_audit
from botguard.clock import SystemClock
from botguard.config import Config
from botguard.findings import Finding, Status
from botguard.testing.sim import start_sim

from .conftest import HOSTS, account

pytestmark = pytest.mark.sim


class AheadClock(SystemClock):
    """The real clock, read `ahead_s` seconds fast (a VM whose clock drifted)."""

    def __init__(self, ahead_s: float) -> None:
        self.ahead_s = ahead_s

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.ahead_s)


def _numbers(evidence: str) -> tuple[float, float]:
    """(skew, error bound) from `... skew vs binance -1.927 s (±0.074 s, limit 1 s)`."""
    match = re.search(r"skew vs binance ([-+]\d+\.\d+) s \(±(\d+\.\d+) s", evidence)
    assert match, evidence
    return float(match.group(1)), float(match.group(2))


async def _clock(config: Config, host: str, clock: SystemClock | None = None) -> Finding:
    report = await run_audit(config, root=HOSTS / host, only=["host"], clock=clock)
    return next(f for f in report.findings if f.id == "host.clock_synced")


async def test_in_sync_with_the_exchange_passes(config_for: Callable[..., Config]) -> None:
    async with start_sim() as sim:
        found = await _clock(config_for(accounts=[account(base_url=sim.url)]), "hardened")
    assert found.status is Status.PASS
    assert found.evidence.startswith("systemd-timesyncd configured; skew vs binance ")
    skew, error = _numbers(found.evidence)
    assert abs(skew) <= error + 0.05


async def test_a_clock_two_seconds_fast_fails(config_for: Callable[..., Config]) -> None:
    async with start_sim() as sim:
        config = config_for(accounts=[account(base_url=sim.url)])
        found = await _clock(config, "hardened", AheadClock(2.0))
    assert found.status is Status.FAIL
    skew, error = _numbers(found.evidence)
    assert abs(skew + 2.0) <= error + 0.05
    assert "limit 1 s" in found.evidence


async def test_only_the_first_account_is_asked(config_for: Callable[..., Config]) -> None:
    async with start_sim() as sim:
        accounts = [account("a", base_url=sim.url), account("b", base_url="http://127.0.0.1:9")]
        found = await _clock(config_for(accounts=accounts), "hardened")
        asked = [entry["path"] for entry in sim.log()]
    assert found.status is Status.PASS
    assert asked == ["/api/v3/time"]


async def test_no_daemon_fails_even_in_sync(config_for: Callable[..., Config]) -> None:
    async with start_sim() as sim:
        found = await _clock(config_for(accounts=[account(base_url=sim.url)]), "bare")
    assert found.status is Status.FAIL
    assert found.evidence.startswith("no timesyncd, chrony or ntp configuration found; skew vs")


async def test_unreachable_exchange_is_an_error_not_a_pass(
    config_for: Callable[..., Config],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    found = await _clock(
        config_for(accounts=[account(base_url=f"http://127.0.0.1:{port}")]), "hardened"
    )
    assert found.status is Status.ERROR
    assert "could not read binance's server time" in found.evidence


async def test_no_account_skips_the_skew_with_a_reason(
    config_for: Callable[..., Config], tmp_path: Path
) -> None:
    found = await _clock(config_for(accounts=[]), "hardened")
    assert found.status is Status.PASS
    assert "skew not measured: no [[account]]" in found.evidence
