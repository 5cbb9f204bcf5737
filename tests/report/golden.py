"""Compare a real run's SARIF with a file recorded before audit and scan shared one builder.

Only what differs per machine is normalised (by the caller's replacements) and the tool
version. Rules are compared for the ids the results use, so a check added elsewhere does
not break the comparison. Regenerate after an intended change with BOTGUARD_WRITE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema

GOLDEN = Path(__file__).parent.parent / "data" / "sarif"
SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"


def normalised(text: str, replace: dict[str, str]) -> dict[str, Any]:
    for old, new in replace.items():
        text = text.replace(old, new)
    doc: dict[str, Any] = json.loads(text)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run = doc["runs"][0]
    used = {r["ruleId"] for r in run["results"]}
    run["tool"]["driver"]["version"] = "VERSION"
    run["tool"]["driver"]["rules"] = [r for r in run["tool"]["driver"]["rules"] if r["id"] in used]
    return doc


def compare(name: str, doc: dict[str, Any]) -> None:
    path = GOLDEN / name
    if os.environ.get("BOTGUARD_WRITE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(doc, indent=2) + "\n")
    assert doc == json.loads(path.read_text())
