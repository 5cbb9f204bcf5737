"""kill.configured names which exchanges' kills are verified end to end against a
simulator (issue 11, item 4b): Binance is; the generic ccxt venue (kraken here) is not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from botguard.audit import run_audit
from botguard.config import Config
from botguard.findings import Status

from .conftest import account


async def _configured(config: Config) -> tuple[Status, str]:
    report = await run_audit(config, root=Path("/nonexistent"), only=["kill"])
    (found,) = [f for f in report.findings if f.id == "kill.configured"]
    return found.status, found.evidence


async def test_binance_is_verified_end_to_end(config_for: Callable[..., Config]) -> None:
    status, evidence = await _configured(config_for(service="bot"))
    assert status is Status.PASS
    assert evidence.endswith("verified end to end against botguard sim: binance")


async def test_a_generic_exchange_is_named_as_not_verified(
    config_for: Callable[..., Config],
) -> None:
    accounts = [account(), account("k", exchange="kraken")]
    status, evidence = await _configured(config_for(accounts=accounts, service="bot"))
    assert status is Status.WARN
    assert "verified end to end against botguard sim: binance" in evidence
    assert "not verified end to end against a simulator: kraken" in evidence
