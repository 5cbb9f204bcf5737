"""Scan reports as text (a rich table), JSON and SARIF 2.1.0 (through report/sarif.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botguard.findings import Severity
from botguard.formats import Format
from botguard.report.sarif import level, sarif_log
from botguard.scan.coverage import Skip
from botguard.scan.model import CERTAIN, Leak
from botguard.scan.ruleset import BY_ID

if TYPE_CHECKING:
    from rich.table import Table

EXACT_RULE = "secret.known_value"
"""SARIF rule id of an exact match; the reference name is in the message."""
SEVERITIES = {
    CERTAIN: Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
}
"""A leak's confidence as the severity SARIF levels are set by (one map for audit and scan)."""
SCAN_FORMATS = (Format.TEXT, Format.JSON, Format.SARIF)
"""The report formats `botguard scan` writes (markdown is the audit's only)."""


def leak_to_dict(leak: Leak) -> dict[str, Any]:
    """JSON-ready fields of a leak (the value is never among them)."""
    return {
        "location": leak.location,
        "line": leak.line,
        "commit": leak.commit,
        "author_date": leak.author_date.isoformat() if leak.author_date else None,
        "secret_ref": leak.secret_ref,
        "rule": leak.rule,
        "confidence": leak.confidence,
        "encoding": leak.encoding,
        "preview": leak.preview,
        "ignored": leak.ignored,
        "fingerprint": leak.fingerprint,
    }


def skip_to_dict(skip: Skip) -> dict[str, str]:
    """JSON-ready fields of a place the scan did not read in full."""
    return {"location": skip.location, "reason": skip.reason.value, "detail": skip.detail}


def render_json(leaks: Sequence[Leak], *, suppressed: int = 0, skipped: Sequence[Skip] = ()) -> str:
    """`{"leaks": [...], "suppressed": N, "complete": bool, "skipped": [...]}`."""
    doc = {
        "leaks": [leak_to_dict(leak) for leak in leaks],
        "suppressed": suppressed,
        "complete": not skipped,
        "skipped": [skip_to_dict(skip) for skip in skipped],
    }
    return json.dumps(doc, indent=2)


def _message(leak: Leak) -> str:
    where = f" in commit {leak.commit[:12]}" if leak.commit else ""
    if leak.secret_ref:
        return f"Known secret {leak.secret_ref} found ({leak.encoding}){where}: {leak.preview}"
    return f"Possible credential ({leak.rule}, {leak.confidence} confidence){where}: {leak.preview}"


def _sarif_result(leak: Leak) -> dict[str, Any]:
    region = {"startLine": leak.line} if leak.line else {}
    location: dict[str, Any] = {"artifactLocation": {"uri": leak.location.lstrip("/")}}
    if region:
        location["region"] = region
    properties = {k: v for k, v in leak_to_dict(leak).items() if v is not None}
    return {
        "ruleId": leak.rule or EXACT_RULE,
        "level": level(SEVERITIES.get(leak.confidence, Severity.MEDIUM)),
        "message": {"text": _message(leak)},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {"botguardLeak/v1": leak.fingerprint},
        "properties": properties,
    }


def _invocation(skipped: Sequence[Skip]) -> dict[str, Any]:
    """SARIF's place to say the run did not read everything: one warning per skip."""
    notes = [
        {
            "level": "warning",
            "message": {"text": f"not read in full ({s.reason.value}): {s.detail}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.location}}}],
        }
        for s in skipped
    ]
    return {"executionSuccessful": not skipped, "toolExecutionNotifications": notes}


def _describe(rule_id: str) -> str:
    if rule_id == EXACT_RULE:
        return "A configured secret value was found"
    rule = BY_ID.get(rule_id)
    return f"Looks like a credential: {rule.description}" if rule else rule_id


def render_sarif(leaks: Sequence[Leak], *, skipped: Sequence[Skip] = ()) -> str:
    """A SARIF 2.1.0 log with one run; one rule per pattern id seen (plus the exact rule)."""
    rule_ids = sorted({leak.rule or EXACT_RULE for leak in leaks})
    return sarif_log(
        rules=[{"id": i, "shortDescription": {"text": _describe(i)}} for i in rule_ids],
        results=[_sarif_result(x) for x in leaks],
        invocation=_invocation(skipped),
    )


def render_table(leaks: Sequence[Leak]) -> Table:
    """A rich table, one row per leak."""
    from rich.table import Table  # text output only: JSON and SARIF never import rich

    table = Table(title=f"{len(leaks)} leak{'s' if len(leaks) != 1 else ''} found")
    for column in ("where", "commit", "what", "confidence", "form", "preview"):
        table.add_column(column)
    for leak in leaks:
        where = f"{leak.location}:{leak.line}" if leak.line else leak.location
        if leak.ignored:
            where += " (git-ignored)"
        commit = ""
        if leak.commit:
            date = leak.author_date.date().isoformat() if leak.author_date else ""
            commit = f"{leak.commit[:10]} {date}".strip()
        table.add_row(where, commit, leak.what, leak.confidence, leak.encoding, leak.preview)
    return table


def render_skipped(skipped: Sequence[Skip]) -> Table:
    """A rich table of what was not read in full: the reason the scan is incomplete."""
    from rich.table import Table

    table = Table(title=f"Not read in full: {len(skipped)} (the scan is incomplete)")
    for column in ("where", "why", "detail"):
        table.add_column(column)
    for skip in skipped:
        table.add_row(skip.location, skip.reason.value, skip.detail)
    return table
