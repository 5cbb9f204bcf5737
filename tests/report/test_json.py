"""`--format json` is the DESIGN.md shape, checked by the schema shipped in the package."""

from __future__ import annotations

import json

import jsonschema
import pytest

from botguard.findings import Finding, Status
from botguard.report import json as json_report

from .conftest import finding

FIELDS = ["id", "title", "category", "severity", "status", "subject", "evidence", "remedy"]


def test_report_validates_against_the_schema(findings: list[Finding]) -> None:
    doc = json.loads(json_report.render(findings))
    jsonschema.Draft202012Validator.check_schema(json_report.schema())
    jsonschema.validate(doc, json_report.schema(), cls=jsonschema.Draft202012Validator)
    assert [list(f) for f in doc["findings"]] == [FIELDS] * len(findings)
    assert doc["findings"][0]["status"] == "fail"
    assert doc["findings"][0]["severity"] == "critical"


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "failed"), ("severity", "urgent"), ("id", "Key.Withdrawals"), ("category", "x")],
)
def test_schema_rejects_what_design_md_does_not_allow(field: str, value: str) -> None:
    """The schema is not vacuous: a value outside DESIGN.md's set fails validation."""
    item = finding("key.ip_whitelist", Status.PASS).to_dict() | {field: value}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"findings": [item]}, json_report.schema())


def test_schema_requires_every_design_field() -> None:
    item = finding("key.ip_whitelist", Status.PASS).to_dict()
    del item["remedy"]
    with pytest.raises(jsonschema.ValidationError, match="remedy"):
        jsonschema.validate({"findings": [item]}, json_report.schema())
