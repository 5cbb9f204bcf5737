"""The DESIGN.md JSON shape: `{"findings": [{id, title, ..., remedy}, ...]}`.

`audit.schema.json` next to this module is the contract; tests validate every
rendered report against it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

from botguard.findings import Finding


def render(findings: Sequence[Finding]) -> str:
    """Indented JSON, one object per finding, in report order."""
    return json.dumps({"findings": [f.to_dict() for f in findings]}, indent=2) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the report, shipped inside the package."""
    text = resources.files("botguard.report").joinpath("audit.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded
