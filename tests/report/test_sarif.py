"""SARIF validates against the OASIS 2.1.0 schema (a copy in tests/data) and maps levels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

from botguard.audit.registry import CHECKS
from botguard.findings import Finding, Severity, Status
from botguard.report import sarif

from .conftest import finding

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"


def _log(findings: list[Finding]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(sarif.render(findings))
    return doc


def test_validates_against_the_oasis_schema(findings: list[Finding]) -> None:
    jsonschema.validate(_log(findings), json.loads(SCHEMA.read_text()))


def test_rules_are_the_registered_checks(findings: list[Finding]) -> None:
    rules = _log(findings)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [c.id for c in CHECKS]


def test_failure_level_follows_severity() -> None:
    cases = [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "note"),
    ]
    found = [finding("host.non_root_user", Status.FAIL, severity=s) for s, _ in cases]
    levels = [r["level"] for r in _log(found)["runs"][0]["results"]]
    assert levels == [level for _, level in cases]


def test_non_failures_have_level_none_and_their_kind(findings: list[Finding]) -> None:
    results = _log(findings)["runs"][0]["results"]
    kinds = {r["properties"]["status"]: (r["kind"], r["level"]) for r in results}
    assert kinds["pass"] == ("pass", "none")
    assert kinds["manual"] == ("review", "none")
    assert kinds["skip"] == ("notApplicable", "none")
    assert kinds["error"] == ("open", "none")


def test_rule_index_points_at_the_rule(findings: list[Finding]) -> None:
    run = _log(findings)["runs"][0]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_fingerprint_is_stable_per_check_and_subject() -> None:
    a = finding("secrets.env_permissions", Status.FAIL, subject="/a/.env", evidence="mode 0o644")
    again = finding("secrets.env_permissions", Status.FAIL, subject="/a/.env", evidence="0o640")
    other = finding("secrets.env_permissions", Status.FAIL, subject="/b/.env")
    prints = [r["partialFingerprints"] for r in _log([a, again, other])["runs"][0]["results"]]
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_a_check_error_marks_the_run_unsuccessful() -> None:
    ok = _log([finding("host.clock_synced", Status.FAIL)])["runs"][0]["invocations"][0]
    bad = _log([finding("host.clock_synced", Status.ERROR)])["runs"][0]["invocations"][0]
    assert ok["executionSuccessful"] is True
    assert bad["executionSuccessful"] is False
