"""Finding's JSON shape is the public interface in DESIGN.md."""

from __future__ import annotations

import json

import pytest

from botguard.errors import BotguardError, ConfigError, SecretError, UsageError, VenueError
from botguard.findings import Finding, Severity, Status


def test_status_values_are_design_strings() -> None:
    assert {s.value for s in Status} == {"pass", "fail", "warn", "manual", "skip", "error"}


def test_finding_json_has_exactly_the_design_fields() -> None:
    finding = Finding(
        id="key.withdrawals_disabled",
        title="API key cannot withdraw funds",
        category="key",
        severity=Severity.CRITICAL,
        status=Status.FAIL,
        subject="main",
        evidence="withdrawals are enabled on this key",
        remedy="Turn off withdrawals for this key.",
    )
    data = json.loads(json.dumps(finding.to_dict()))
    assert list(data) == [
        "id",
        "title",
        "category",
        "severity",
        "status",
        "subject",
        "evidence",
        "remedy",
    ]
    assert data["status"] == "fail"
    assert data["severity"] == "critical"


@pytest.mark.parametrize(
    ("cls", "code"),
    [(BotguardError, 3), (UsageError, 2), (ConfigError, 2), (SecretError, 2), (VenueError, 3)],
)
def test_error_exit_codes(cls: type[BotguardError], code: int) -> None:
    assert cls("x").exit_code == code
