"""The text table: rich markup in evidence is shown literally, never interpreted."""

from __future__ import annotations

from botguard.findings import Finding, Status
from botguard.report import text

from .conftest import finding


def test_markup_in_evidence_is_printed_literally() -> None:
    """A unit line like `ExecStart=[bold]x[/]` must not turn bold or vanish."""
    out = text.render(
        [finding("host.unit_hardened", Status.FAIL, evidence="ExecStart=[bold]run[/bold] [/]")]
    )
    assert "ExecStart=[bold]run[/bold] [/]" in " ".join(out.split())


def test_markup_in_subject_and_remedy_is_literal() -> None:
    out = text.render(
        [finding("host.non_root_user", Status.FAIL, subject="[red]x", remedy="set [link]")]
    )
    assert "[red]x" in out
    assert "set [link]" in out


def test_summary_counts_each_status(findings: list[Finding]) -> None:
    out = text.render(findings)
    assert out.rstrip().splitlines()[-1] == "4 fail, 1 error, 1 warn, 1 manual, 1 skip, 2 pass"


def test_plain_text_has_no_escape_codes(findings: list[Finding]) -> None:
    assert "\x1b[" not in text.render(findings)
