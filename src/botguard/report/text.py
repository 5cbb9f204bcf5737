"""The default report: a rich table, with every finding's text escaped.

Evidence quotes what a check saw (a config line, a file name, a unit's
ExecStart), so it may contain square brackets that rich would read as markup:
`[bold]` would vanish and `[/]` would raise. Everything but the status colour is
escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from io import StringIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from botguard.findings import Finding, Status

COLOURS = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.WARN: "yellow",
    Status.MANUAL: "cyan",
    Status.SKIP: "dim",
    Status.ERROR: "magenta",
}
SUMMARY_ORDER = (Status.FAIL, Status.ERROR, Status.WARN, Status.MANUAL, Status.SKIP, Status.PASS)
"""Worst first, so the line starts with what needs doing."""
WIDTH = 160
"""Columns of the rendered text when it goes to a file or a pipe."""


def table(findings: Sequence[Finding]) -> Table:
    """One row per finding: status, id, subject, evidence, remedy."""
    grid = Table("status", "check", "subject", "evidence", "remedy", title="botguard audit")
    for f in findings:
        grid.add_row(
            f"[{COLOURS[f.status]}]{f.status.value}[/]",
            escape(f.id),
            escape(f.subject),
            escape(f.evidence),
            escape(f.remedy),
        )
    return grid


def summary(findings: Sequence[Finding]) -> str:
    """One line of counts, worst first, e.g. `3 fail, 4 manual, 12 pass`."""
    counts = Counter(f.status for f in findings)
    return ", ".join(f"{counts[s]} {s.value}" for s in SUMMARY_ORDER if counts[s]) or "no checks"


def render(findings: Sequence[Finding]) -> str:
    """The table and the summary line as plain text (no colour codes)."""
    buf = StringIO()
    console = Console(file=buf, width=WIDTH, force_terminal=False, no_color=True)
    console.print(table(findings))
    console.print(escape(summary(findings)))
    return buf.getvalue()
