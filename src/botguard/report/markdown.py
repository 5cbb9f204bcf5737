"""The checklist in the seed's own words, as GitHub task-list boxes.

A box is ticked when every finding under it passed. Each finding is a sub-item
with its status, check id, subject, evidence and (unless it passed) the fix.
Boxes with no finding in this run (filtered out by --only/--skip) are left out
rather than shown unticked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from botguard.audit.checklist import BOXES, Box
from botguard.findings import Finding, Status

CALL_TO_ACTION = "Tick every box before any live capital touches the bot."
"""The seed's last words on the checklist."""


def _inline(text: str) -> str:
    """One line, with characters that would start markdown/HTML markup escaped.

    `_` is left alone: GitHub markdown does not emphasise inside words, and ids
    like `env:EX_API_KEY` should stay copyable from the raw text.
    """
    flat = " ".join(text.split())
    return re.sub(r"([\\`*<>\[\]|])", r"\\\1", flat)


def _item(f: Finding) -> list[str]:
    status = f.status.value if f.status is Status.PASS else f"**{f.status.value}**"
    line = f"  - {status} `{f.id}` ({_inline(f.subject)}): {_inline(f.evidence)}"
    if f.remedy and f.status is not Status.PASS:
        return [line, f"    - fix: {_inline(f.remedy)}"]
    return [line]


def _box(box: Box, findings: list[Finding]) -> list[str]:
    ticked = all(f.status is Status.PASS for f in findings)
    label = f"(implied) {box.text}" if box.implied else box.text
    lines = [f"- [{'x' if ticked else ' '}] {label}"]
    for f in findings:
        lines += _item(f)
    return lines


def render(findings: Sequence[Finding]) -> str:
    """The whole checklist report as markdown."""
    lines = ["# botguard audit: the full security checklist", "", CALL_TO_ACTION, ""]
    placed: set[int] = set()
    for box in BOXES:
        mine = [f for f in findings if f.id in box.ids]
        placed.update(id(f) for f in mine)
        if mine:
            lines += _box(box, mine)
    rest = [f for f in findings if id(f) not in placed]
    if rest:
        lines += ["", "Other checks:", ""]
        for f in rest:
            lines += _item(f)
    return "\n".join(lines) + "\n"
