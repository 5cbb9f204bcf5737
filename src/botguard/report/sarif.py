"""SARIF 2.1.0 as plain dicts: the one builder audit and scan share, and the audit's log.

`sarif_log` wraps rules, results and the invocation in the log both commands write,
and `LEVELS` is the one severity-to-level map (scan maps a leak's confidence to a
Severity first), so the two reports cannot drift apart again.

The audit's log has one rule per registered check and one result per finding.
Severity sets the level of a failure (critical/high -> error, medium -> warning,
low -> note); SARIF requires level "none" for every other kind of result, so a
pass is kind "pass", manual and warn are "review", skip is "notApplicable" and a
check that could not finish is "open". partialFingerprints hash (check id,
subject), so code-scanning tools match a finding across runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from botguard import __version__
from botguard.findings import Finding, Severity, Status

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
KINDS = {
    Status.PASS: "pass",
    Status.FAIL: "fail",
    Status.WARN: "review",
    Status.MANUAL: "review",
    Status.SKIP: "notApplicable",
    Status.ERROR: "open",
}


def level(severity: Severity) -> str:
    """SARIF's level for a failure of this severity."""
    return LEVELS[severity]


def sarif_log(
    *, rules: list[dict[str, Any]], results: list[dict[str, Any]], invocation: dict[str, Any]
) -> str:
    """A SARIF 2.1.0 log with one run of botguard (JSON text, no trailing newline)."""
    run = {
        "tool": {"driver": {"name": "botguard", "version": __version__, "rules": rules}},
        "invocations": [invocation],
        "results": results,
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2)


def _rules(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Every registered check, then any id only the findings know."""
    from botguard.audit.registry import CHECKS

    known = {c.id: (c.title, c.remedy, c.severity) for c in CHECKS}
    for f in findings:
        known.setdefault(f.id, (f.title, f.remedy or f.title, f.severity))
    return [
        {
            "id": check_id,
            "name": check_id.replace(".", "/"),
            "shortDescription": {"text": title},
            "help": {"text": remedy},
            "defaultConfiguration": {"level": level(severity)},
            "properties": {"category": check_id.split(".", 1)[0], "severity": severity.value},
        }
        for check_id, (title, remedy, severity) in known.items()
    ]


def _location(subject: str) -> dict[str, Any]:
    if subject.startswith("/"):
        return {"physicalLocation": {"artifactLocation": {"uri": "file://" + subject}}}
    return {"logicalLocations": [{"name": subject, "kind": "resource"}]}


def _result(f: Finding, index: int) -> dict[str, Any]:
    kind = KINDS[f.status]
    text = f"{f.subject}: {f.evidence}" if f.evidence else f.subject
    if f.remedy and f.status is not Status.PASS:
        text += f" (fix: {f.remedy})"
    digest = hashlib.sha256(f"{f.id}\0{f.subject}".encode()).hexdigest()[:32]
    return {
        "ruleId": f.id,
        "ruleIndex": index,
        "kind": kind,
        "level": level(f.severity) if kind == "fail" else "none",
        "message": {"text": text},
        "locations": [_location(f.subject)],
        "partialFingerprints": {"botguardCheckSubject/v1": digest},
        "properties": {"status": f.status.value},
    }


def render(findings: Sequence[Finding]) -> str:
    """The audit's SARIF log."""
    rules = _rules(findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    return (
        sarif_log(
            rules=rules,
            results=[_result(f, index[f.id]) for f in findings],
            invocation={"executionSuccessful": not any(f.status is Status.ERROR for f in findings)},
        )
        + "\n"
    )
