"""Findings covering every status and severity, for the renderer tests."""

from __future__ import annotations

import pytest

from botguard.findings import Finding, Severity, Status


def finding(
    check_id: str,
    status: Status,
    *,
    severity: Severity = Severity.HIGH,
    subject: str = "host",
    evidence: str = "seen",
    remedy: str = "fix it",
) -> Finding:
    """A finding shaped like the runner builds them (remedy empty on pass)."""
    return Finding(
        id=check_id,
        title=f"title of {check_id}",
        category=check_id.split(".", 1)[0],
        severity=severity,
        status=status,
        subject=subject,
        evidence=evidence,
        remedy="" if status is Status.PASS else remedy,
    )


@pytest.fixture
def findings() -> list[Finding]:
    """One finding per status, across categories, severities and subjects."""
    return [
        finding(
            "key.withdrawals_disabled", Status.FAIL, severity=Severity.CRITICAL, subject="main"
        ),
        finding("key.trading_enabled", Status.PASS, severity=Severity.LOW, subject="main"),
        finding("key.ip_whitelist", Status.MANUAL, subject="main"),
        finding("secrets.not_in_code", Status.PASS, severity=Severity.CRITICAL),
        finding("secrets.env_permissions", Status.FAIL, subject="/opt/bot/.env"),
        finding("host.unit_hardened", Status.WARN, severity=Severity.MEDIUM),
        finding("host.security_updates", Status.SKIP, severity=Severity.MEDIUM),
        finding("host.clock_synced", Status.ERROR, severity=Severity.MEDIUM),
        finding("kill.drilled_recently", Status.FAIL, severity=Severity.MEDIUM),
        finding("exchange.two_factor", Status.FAIL, severity=Severity.LOW),
    ]
