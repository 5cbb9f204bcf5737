"""The default report, laid out the way a person reads it: what to fix first.

Failures (and checks that could not run) come first, each with the one command
to run where one exists; then warnings and the manual boxes; then everything
else collapsed to one line per status. The JSON report stays complete; this one
is for reading.

Evidence quotes what a check saw (a config line, a file name, a unit's
ExecStart), so it may contain square brackets that rich would read as markup:
`[bold]` would vanish and `[/]` would raise. Everything but the status colour is
escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from io import StringIO

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from botguard.findings import Finding, Severity, Status

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
FAILING = (Status.FAIL, Status.ERROR)
ATTENTION = (Status.WARN, Status.MANUAL)
COLLAPSED = (Status.SKIP, Status.PASS)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
WIDTH = 160
"""Columns of the rendered text when it goes to a file."""

FIX_COMMANDS = {
    "kill.drilled_recently": "botguard drill",
    "host.unit_hardened": "botguard harden --out deploy/",
    "host.firewall_default_deny": "botguard harden --out deploy/",
    "host.security_updates": "apt-get update && apt-get upgrade",
    "secrets.env_ignored": "echo .env >> .gitignore && git rm --cached .env",
}
"""The one command that fixes a failing check, where one exists. The rest keep their
remedy's words: editing a key on the exchange's page is not a command."""
ERROR_FIX = "the check could not run: fix what it says, then `botguard audit` again"


def fix(finding: Finding) -> str:
    """What to do about one finding: its one command, else its remedy's words."""
    if finding.status is Status.ERROR:
        return ERROR_FIX
    command = FIX_COMMANDS.get(finding.id)
    if command is not None:
        return f"run: {command}"
    if finding.subject.startswith("/"):
        return finding.remedy.replace("FILE", finding.subject)
    return finding.remedy


def _rank(finding: Finding) -> tuple[int, int]:
    order = (*FAILING, *ATTENTION, *COLLAPSED)
    return order.index(finding.status), SEVERITY_ORDER.index(finding.severity)


def _table(title: str, findings: Sequence[Finding], *, action: str) -> Table:
    """status, check (with its subject when it is not the host), what was seen, what to do."""
    grid = Table(title=title, title_justify="left", title_style="bold")
    grid.add_column("status", no_wrap=True)
    grid.add_column("check", no_wrap=True)
    grid.add_column("what botguard saw", overflow="fold", ratio=1)
    grid.add_column(action, overflow="fold", ratio=1)
    for f in sorted(findings, key=_rank):
        subject = "" if f.subject == "host" else f"\n{f.subject}"
        grid.add_row(
            f"[{COLOURS[f.status]}]{f.status.value}[/]",
            escape(f.id + subject),
            escape(f.evidence),
            escape(fix(f)),
        )
    return grid


def collapsed(findings: Sequence[Finding]) -> list[str]:
    """One line per remaining status: `pass (4): key.trading_enabled, ...`."""
    lines = []
    for status in COLLAPSED:
        ids = sorted({f.id for f in findings if f.status is status})
        if ids:
            count = sum(1 for f in findings if f.status is status)
            lines.append(f"{status.value} ({count}): {', '.join(ids)}")
    return lines


def next_step(findings: Sequence[Finding]) -> str:
    """The line that tells the reader what to do now."""
    failing = sorted((f for f in findings if f.status in FAILING), key=_rank)
    if failing:
        first = failing[0]
        command = FIX_COMMANDS.get(first.id)
        if command is not None and first.status is Status.FAIL:
            return f"next: `{command}` ({first.id}), then `botguard audit` again"
        return f"next: {first.id}: {fix(first)}; then `botguard audit` again"
    manual = [f.id for f in findings if f.status is Status.MANUAL]
    if manual:
        return f"next: check {manual[0]} by hand, then `botguard attest {manual[0]}`"
    return "next: nothing fails; `botguard run -- CMD` starts the bot behind this audit"


def renderables(findings: Sequence[Finding]) -> list[RenderableType]:
    """The report as rich renderables, in reading order."""
    out: list[RenderableType] = []
    failing = [f for f in findings if f.status in FAILING]
    attention = [f for f in findings if f.status in ATTENTION]
    if failing:
        out.append(_table(f"fix these first ({len(failing)})", failing, action="fix"))
    if attention:
        title = f"warnings and manual boxes ({len(attention)})"
        out.append(_table(title, attention, action="what to do"))
    out += [Text(line) for line in collapsed(findings)]
    out += [Text(summary(findings)), Text(next_step(findings))]
    return out


def summary(findings: Sequence[Finding]) -> str:
    """One line of counts, worst first, e.g. `3 fail, 4 manual, 12 pass`."""
    counts = Counter(f.status for f in findings)
    return ", ".join(f"{counts[s]} {s.value}" for s in SUMMARY_ORDER if counts[s]) or "no checks"


def render(findings: Sequence[Finding], *, width: int = WIDTH) -> str:
    """The report as plain text (no colour codes)."""
    buf = StringIO()
    console = Console(file=buf, width=width, force_terminal=False, no_color=True)
    for part in renderables(findings):
        console.print(part)
    return buf.getvalue()
