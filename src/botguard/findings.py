"""Finding, Status and Severity: the result shape shared by audit and scan."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The verdict of one check; the values are the JSON strings in DESIGN.md."""

    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    WARN = "warn"
    MANUAL = "manual"
    SKIP = "skip"
    ERROR = "error"


class Severity(StrEnum):
    """How bad a failure of this check is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Finding:
    """One checked box: the public JSON shape of `botguard audit --format json`."""

    id: str
    """Stable dotted check id, e.g. `key.withdrawals_disabled`. Never renamed."""
    title: str
    """The desired state, in words, e.g. "API key cannot withdraw funds"."""
    category: str
    """The id prefix: key, secrets, host, exchange or kill."""
    severity: Severity
    """How bad a failure is."""
    status: Status
    """pass, fail, warn, manual, skip or error."""
    subject: str
    """What was checked: an account name, a file, a unit, or `host`."""
    evidence: str
    """What was seen. Never a secret value."""
    remedy: str
    """The exact command or setting that fixes a failure."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this finding, enums as their string values."""
        data = asdict(self)
        data["severity"] = self.severity.value
        data["status"] = self.status.value
        return data
