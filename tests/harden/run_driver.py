"""`botguard run` in a real process, with the audit replaced by a stub.

STUB, on purpose: the real audit needs an exchange account and reads this
machine's SSH, firewall and update settings, so its verdict here says nothing
about `run`. Everything else is real: the CLI, the halt flag, secret
resolution, the child process, signals and the heartbeat. The findings the
stub returns come from $BOTGUARD_TEST_FINDINGS (JSON list of [id, status]),
an interface of this test driver only, not of botguard.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from botguard.config import Config
from botguard.findings import Finding, Severity, Status
from botguard.harden import gate


@dataclass
class StubReport:
    findings: list[Finding]


def stub_findings() -> list[Finding]:
    spec = json.loads(os.environ.get("BOTGUARD_TEST_FINDINGS", "[]"))
    return [
        Finding(
            id=check_id,
            title=f"title of {check_id}",
            category=check_id.split(".")[0],
            severity=Severity.HIGH,
            status=Status(status),
            subject="main",
            evidence=f"evidence for {check_id}: key [REDACTED] has [bold]withdraw[/bold]",
            remedy=f"remedy for {check_id}",
        )
        for check_id, status in spec
    ]


async def stub_audit(config: Config, root: Path) -> StubReport:
    marker = os.environ.get("BOTGUARD_TEST_AUDIT_MARKER")
    if marker:
        await asyncio.to_thread(Path(marker).write_text, "audited")
    return StubReport(stub_findings())


if __name__ == "__main__":
    gate._real_audit = stub_audit  # type: ignore[assignment]
    from botguard.cli import main

    sys.exit(main(sys.argv[1:]))
