"""Alerts go through real apprise to a local JSON webhook (apprise's `json://`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from botguard.alerts import AlertKind, send_alerts
from botguard.config import parse_config
from botguard.journal import Journal
from botguard.secrets.refs import resolve_secret
from botguard.testing.canary import CANARIES


def _config(tmp_path: Path, urls: list[str]) -> Any:
    raw = {"bot": {"name": "gridbot"}, "state": {"dir": "state"}, "alerts": {"urls": urls}}
    return parse_config(raw, path=tmp_path / "botguard.toml")


async def test_alert_reaches_the_webhook_with_secrets_redacted(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    secret = resolve_secret("env:BOTGUARD_CANARY_SECRET").reveal()
    config = _config(tmp_path, ["env:BG_ALERT_URL"])

    result = await send_alerts(
        config, "botguard: watch tripped", f"heartbeat stale; key={secret}", kind=AlertKind.TRIP
    )

    assert result.ok
    assert result.sent == 1
    assert len(received) == 1
    assert received[0]["title"] == "botguard: watch tripped"
    assert "heartbeat stale" in received[0]["message"]
    assert secret not in json.dumps(received[0])
    assert "[REDACTED]" in received[0]["message"]
    assert received[0]["type"] == "failure"
    with Journal(config.state.dir) as journal:
        (event,) = journal.events("alert")
    assert event["detail"]["sent"] == 1


async def test_successful_kill_alert_is_sent_as_success(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    config = _config(tmp_path, ["env:BG_ALERT_URL"])

    await send_alerts(config, "kill: flat", "verified flat", kind=AlertKind.KILL, ok=True)

    assert received[0]["type"] == "success"


async def test_unresolvable_and_unreachable_urls_are_counted_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unused_tcp_port: int
) -> None:
    monkeypatch.setenv("BG_DEAD_URL", f"json://127.0.0.1:{unused_tcp_port}/nobody")
    config = _config(tmp_path, ["env:BG_MISSING_URL", "env:BG_DEAD_URL"])

    result = await send_alerts(config, "t", "b", kind=AlertKind.AUDIT)

    assert result.sent == 0
    assert result.failed == 2
    assert not result.ok


async def test_no_urls_sends_nothing(tmp_path: Path) -> None:
    result = await send_alerts(_config(tmp_path, []), "t", "b", kind=AlertKind.TRIP)
    assert result.ok
    assert result.sent == 0


async def test_kill_and_audit_helpers_format_the_outcome(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from botguard.alerts import alert_audit, alert_kill
    from botguard.findings import Finding, Severity, Status

    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    config = _config(tmp_path, ["env:BG_ALERT_URL"])

    await alert_kill(config, SimpleNamespace(exit_code=1), reason="watch tripped (drawdown)")
    passed = Finding("key.ip_whitelist", "t", "key", Severity.HIGH, Status.PASS, "main", "ok", "r")
    failed = Finding(
        "key.withdrawals_disabled", "t", "key", Severity.CRITICAL, Status.FAIL, "main",
        "withdrawals are enabled on this key", "turn them off",
    )  # fmt: skip
    assert await alert_audit(config, [passed]) is None
    await alert_audit(config, [passed, failed])

    kill, audit = received
    assert kill["title"] == "botguard kill (gridbot): RESIDUAL EXPOSURE"
    assert "watch tripped (drawdown)" in kill["message"]
    assert kill["type"] == "failure"
    assert audit["title"] == "botguard audit (gridbot): 1 check(s) failed"
    assert "key.withdrawals_disabled [critical] main: withdrawals are enabled" in audit["message"]
    assert "key.ip_whitelist" not in audit["message"]
    assert audit["type"] == "warning"


async def test_a_kill_that_kept_positions_is_never_alerted_as_flat(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from botguard.alerts import alert_kill

    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    config = _config(tmp_path, ["env:BG_ALERT_URL"])
    await alert_kill(config, SimpleNamespace(exit_code=0, status="cancelled"), reason="manual")
    (kill,) = received
    assert "verified flat" not in kill["title"]
    assert "positions and coins kept (--no-flatten)" in kill["title"]
