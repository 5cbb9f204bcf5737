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
    lines = text.render(findings).rstrip().splitlines()
    assert lines[-2] == "4 fail, 1 error, 1 warn, 1 manual, 1 skip, 2 pass"


def test_failures_first_then_warnings_and_manual_then_one_line_per_status(
    findings: list[Finding],
) -> None:
    """A person reads the failures first; passes and skips are one line each, no remedy."""
    out = text.render(findings)
    fail_at, warn_at = out.index("fix these first (5)"), out.index("warnings and manual boxes (2)")
    assert fail_at < warn_at < out.index("pass (2): key.trading_enabled, secrets.not_in_code")
    failing = out[fail_at:warn_at]
    for check_id in ("key.withdrawals_disabled", "secrets.env_permissions", "host.clock_synced",
                     "kill.drilled_recently", "exchange.two_factor"):  # fmt: skip
        assert check_id in failing
    assert failing.index("key.withdrawals_disabled") < failing.index("kill.drilled_recently")
    assert "skip (1): host.security_updates" in out
    lines = out.splitlines()
    assert not any("key.trading_enabled" in line and "fix it" in line for line in lines)
    assert out.count("fix it") == 5  # 4 fails + the warn/manual rows' remedies, not pass/skip


def test_each_failing_row_gives_its_one_command() -> None:
    out = text.render(
        [
            finding("kill.drilled_recently", Status.FAIL, remedy="`botguard drill`"),
            finding(
                "secrets.env_permissions",
                Status.FAIL,
                subject="/opt/bot/.env",
                remedy="`chmod 600 FILE`",
            ),
        ]
    )
    assert "run: botguard drill" in out
    assert "`chmod 600 /opt/bot/.env`" in out
    last = out.rstrip().splitlines()[-1]
    assert last == "next: `botguard drill` (kill.drilled_recently), then `botguard audit` again"


def test_every_fix_command_belongs_to_a_check() -> None:
    from botguard.audit.registry import CHECKS

    assert set(text.FIX_COMMANDS) <= {c.id for c in CHECKS}


def test_plain_text_has_no_escape_codes(findings: list[Finding]) -> None:
    assert "\x1b[" not in text.render(findings)
