"""The pre-flight gate: halt flag first, then the audit; fails closed.

The audit is a stub here (STUB: the real audit needs an exchange and reads this
machine's settings); the gate's decisions on its findings are what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from botguard.config import Config, parse_config
from botguard.errors import UsageError
from botguard.findings import Finding, Severity, Status
from botguard.halt import set_halt
from botguard.harden.gate import check_allow_ids, evaluate_gate


def finding(check_id: str, status: Status) -> Finding:
    return Finding(check_id, "t", check_id.split(".")[0], Severity.HIGH, status, "main", "e", "r")


@dataclass
class Report:
    findings: list[Finding]


class StubAudit:
    """Returns fixed findings and counts its calls."""

    def __init__(self, *findings: Finding) -> None:
        self.findings = list(findings)
        self.calls = 0

    async def __call__(self, config: Config, root: Path) -> Report:
        self.calls += 1
        return Report(self.findings)


async def test_all_pass_lets_the_bot_start(config: Config) -> None:
    audit = StubAudit(finding("key.withdrawals_disabled", Status.PASS))
    result = await evaluate_gate(config, allow=frozenset(), audit=audit)
    assert result.passed
    assert audit.calls == 1


@pytest.mark.parametrize("status", [Status.FAIL, Status.ERROR])
async def test_fail_or_error_blocks(config: Config, status: Status) -> None:
    audit = StubAudit(
        finding("key.withdrawals_disabled", status), finding("host.clock_synced", Status.WARN)
    )
    result = await evaluate_gate(config, allow=frozenset(), audit=audit)
    assert not result.passed
    assert [f.id for f in result.blocking] == ["key.withdrawals_disabled"]


async def test_allowed_failures_pass_but_are_listed(config: Config) -> None:
    audit = StubAudit(
        finding("host.firewall_default_deny", Status.FAIL),
        finding("key.ip_whitelist", Status.FAIL),
    )
    allow = frozenset({"host.firewall_default_deny"})
    result = await evaluate_gate(config, allow=allow, audit=audit)
    assert [f.id for f in result.blocking] == ["key.ip_whitelist"]
    assert [f.id for f in result.allowed] == ["host.firewall_default_deny"]
    result = await evaluate_gate(config, allow=allow | {"key.ip_whitelist"}, audit=audit)
    assert result.passed


async def test_halt_flag_refuses_without_running_the_audit(config: Config) -> None:
    set_halt(config.state.dir, "drawdown 12% from peak", by="watch")
    audit = StubAudit()
    result = await evaluate_gate(config, allow=frozenset(), audit=audit)
    assert not result.passed
    assert result.halted is not None
    assert "drawdown 12% from peak" in result.halted
    assert "by watch" in result.halted
    assert audit.calls == 0


async def test_unreadable_halt_flag_counts_as_halted(config: Config) -> None:
    config.state.dir.mkdir(parents=True)
    (config.state.dir / "HALTED").write_text("{not json")
    result = await evaluate_gate(config, allow=frozenset(), audit=StubAudit())
    assert result.halted is not None
    assert "unreadable" in result.halted


@pytest.mark.parametrize("bad", ["withdrawals", "KEY.IP", "key.ip-whitelist", ""])
def test_allow_needs_check_ids(bad: str) -> None:
    with pytest.raises(UsageError, match="is not a check id"):
        check_allow_ids(["key.ip_whitelist", bad])


async def test_gate_with_the_real_audit_blocks_exactly_its_failures(tmp_path: Path) -> None:
    """The real audit on an empty host tree: what it fails, the gate blocks; allowed, it passes.

    No accounts, so nothing reaches for an exchange (there is no network here).
    """
    audit = pytest.importorskip("botguard.audit")
    if not hasattr(audit, "run_audit"):
        pytest.skip("botguard.audit.run_audit has not landed yet")
    raw = {"bot": {"name": "gridbot", "user": "gridbot"}, "state": {"dir": str(tmp_path / "s")}}
    config = parse_config(raw, path=tmp_path / "botguard.toml")
    root = tmp_path / "root"
    root.mkdir()
    result = await evaluate_gate(config, allow=frozenset(), root=root)
    failing = {f.id for f in result.findings if f.status in (Status.FAIL, Status.ERROR)}
    assert {f.id for f in result.blocking} == failing
    assert result.passed is (not failing)
    allowed = await evaluate_gate(config, allow=frozenset(failing), root=root)
    assert allowed.passed
    assert {f.id for f in allowed.allowed} == failing
