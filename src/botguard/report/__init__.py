"""Render an audit's findings: text (rich table), json, markdown, sarif."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from io import StringIO

from botguard.findings import Finding, Status

__all__ = ["RENDERERS", "Format", "render"]


class Format(StrEnum):
    """Report formats of `botguard audit --format`."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


def render_text(findings: list[Finding]) -> str:
    """A rich table, one row per finding."""
    from rich.console import Console
    from rich.table import Table

    table = Table("status", "id", "subject", "evidence", "remedy", show_lines=False)
    colours = {Status.PASS: "green", Status.FAIL: "red", Status.ERROR: "magenta"}
    for f in findings:
        colour = colours.get(f.status, "yellow")
        table.add_row(f"[{colour}]{f.status.value}[/]", f.id, f.subject, f.evidence, f.remedy)
    buf = StringIO()
    Console(file=buf, width=200, force_terminal=False).print(table)
    return buf.getvalue()


def render_json(findings: list[Finding]) -> str:
    """The DESIGN.md JSON shape: {"findings": [...]}."""
    return json.dumps({"findings": [f.to_dict() for f in findings]}, indent=2) + "\n"


def render_markdown(findings: list[Finding]) -> str:
    """The checklist as GitHub task-list boxes, ticked when the check passed."""
    lines = ["# botguard audit", ""]
    for f in findings:
        box = "x" if f.status is Status.PASS else " "
        lines.append(
            f"- [{box}] {f.title} (`{f.id}`, {f.subject}): **{f.status.value}** {f.evidence}"
        )
        if f.remedy and f.status is not Status.PASS:
            lines.append(f"  - fix: {f.remedy}")
    return "\n".join(lines) + "\n"


_LEVEL = {Status.FAIL: "error", Status.ERROR: "error", Status.WARN: "warning"}


def render_sarif(findings: list[Finding]) -> str:
    """SARIF 2.1.0: one rule per check id, one result per non-passing finding."""
    rules: dict[str, dict[str, object]] = {}
    results: list[dict[str, object]] = []
    for f in findings:
        rules.setdefault(
            f.id,
            {
                "id": f.id,
                "shortDescription": {"text": f.title},
                "help": {"text": f.remedy or f.title},
            },
        )
        if f.status is Status.PASS:
            continue
        results.append(
            {
                "ruleId": f.id,
                "level": _LEVEL.get(f.status, "note"),
                "kind": "fail" if f.status in _LEVEL else "review",
                "message": {"text": f"{f.subject}: {f.evidence}"},
            }
        )
    run = {
        "tool": {"driver": {"name": "botguard", "rules": list(rules.values())}},
        "results": results,
    }
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(doc, indent=2) + "\n"


RENDERERS: dict[Format, Callable[[list[Finding]], str]] = {
    Format.TEXT: render_text,
    Format.JSON: render_json,
    Format.MARKDOWN: render_markdown,
    Format.SARIF: render_sarif,
}


def render(findings: list[Finding], fmt: Format) -> str:
    """Render with the format's renderer."""
    return RENDERERS[fmt](findings)
