"""`botguard audit --only key` on Coinbase, KuCoin and Gate accounts in one config.

Each account's base_url points at its own local aiohttp server, which stands in for
the exchange because no exchange is reachable from the test machine; each answers
its one permission endpoint with the exchange's documented response and checks
ccxt's signature. This is the verdict a user reads: Gate cannot say whether a key
withdraws (MANUAL), KuCoin's permissive key fails, Coinbase's trade-only key passes
except for the IP allowlist it does not report.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from botguard.audit import run_audit
from botguard.config import parse_config
from botguard.findings import Status
from tests.venues.permissions import test_coinbase, test_gate, test_kucoin
from tests.venues.permissions.exchange_stub import Endpoint, serve


def _account(name: str, exchange: str, url: str, **extra: str) -> dict[str, object]:
    return {
        "name": name,
        "exchange": exchange,
        "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET",
        "base_url": url,
        **extra,
    }


async def test_key_verdicts_for_three_exchanges(tmp_path: Path) -> None:
    endpoints = {
        "cb": Endpoint("GET", test_coinbase.PATH, test_coinbase.LOCKED, test_coinbase.hmac_signed),
        "kc": Endpoint("GET", test_kucoin.PATH, test_kucoin.PERMISSIVE, test_kucoin.signed),
        "gt": Endpoint("GET", test_gate.PATH, test_gate._detail(["203.0.113.7"]), test_gate.signed),
    }
    async with AsyncExitStack() as stack:
        urls = {name: await stack.enter_async_context(serve(e)) for name, e in endpoints.items()}
        config = parse_config(
            {
                "bot": {"name": "bot"},
                "state": {"dir": str(tmp_path / "state")},
                "account": [
                    _account("cb", "coinbase", urls["cb"]),
                    _account("kc", "kucoin", urls["kc"], password="env:BOTGUARD_CANARY_PASSWORD"),
                    _account("gt", "gate", urls["gt"]),
                ],
            },
            path=tmp_path / "botguard.toml",
        )
        report = await run_audit(config, only=["key"])
    verdicts = {(f.subject, f.id): f.status for f in report.findings}
    assert verdicts == {
        ("cb", "key.withdrawals_disabled"): Status.PASS,
        ("cb", "key.trading_enabled"): Status.PASS,
        ("cb", "key.transfers_disabled"): Status.PASS,
        ("cb", "key.ip_whitelist"): Status.MANUAL,
        ("kc", "key.withdrawals_disabled"): Status.FAIL,
        ("kc", "key.trading_enabled"): Status.PASS,
        ("kc", "key.transfers_disabled"): Status.FAIL,
        ("kc", "key.ip_whitelist"): Status.FAIL,
        ("gt", "key.withdrawals_disabled"): Status.MANUAL,
        ("gt", "key.trading_enabled"): Status.MANUAL,
        ("gt", "key.transfers_disabled"): Status.MANUAL,
        ("gt", "key.ip_whitelist"): Status.PASS,
    }
    evidence = {(f.subject, f.id): f.evidence for f in report.findings}
    assert "ip_whitelist" in evidence[("gt", "key.withdrawals_disabled")]
    assert "203.0.113.7" in evidence[("gt", "key.ip_whitelist")]
    assert report.exit_code == 1
    # One signed request per account, shared by its four checks.
    assert [[s.signed for s in e.seen] for e in endpoints.values()] == [[True]] * 3
