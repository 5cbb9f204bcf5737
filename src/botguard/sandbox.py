"""How well a systemd unit is sandboxed, in systemd's words (`systemd-analyze security`).

The audit scores the bot's installed unit (`host.unit_hardened`) and harden
validates the unit it writes; both read the same tool's output against the same
limit. That shared piece lives here, below both, so neither imports the other
(harden's gate runs the audit: that is the only direction between them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_EXPOSURE = 2.0
"""The highest `systemd-analyze security` exposure botguard accepts ("OK")."""

_EXPOSURE_RE = re.compile(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)")
_BAD_ROW_RE = re.compile(r"^✗\s+(\S+)\s+.*?\s(\d+\.\d+)\s*$")


@dataclass(frozen=True, slots=True)
class UnitExposure:
    """systemd-analyze's overall score and the settings that cost the most."""

    score: float
    level: str
    """OK, MEDIUM, EXPOSED, UNSAFE (systemd's words)."""
    worst: tuple[str, ...] = ()
    """The costliest unmet settings, worst first (at most three)."""

    @property
    def acceptable(self) -> bool:
        """The verdict audit and harden share: at most MAX_EXPOSURE."""
        return self.score <= MAX_EXPOSURE

    def describe(self) -> str:
        """`exposure 1.1 OK (limit 2.0)`, as both commands print it."""
        return f"exposure {self.score} {self.level} (limit {MAX_EXPOSURE})"


def parse_security(output: str) -> UnitExposure | None:
    """Read `systemd-analyze security` text: the overall line and the ✗ rows, worst first."""
    match = _EXPOSURE_RE.search(output)
    if match is None:
        return None
    rows = [m.groups() for line in output.splitlines() if (m := _BAD_ROW_RE.match(line.strip()))]
    rows.sort(key=lambda r: -float(r[1]))
    return UnitExposure(float(match.group(1)), match.group(2), tuple(r[0] for r in rows[:3]))
