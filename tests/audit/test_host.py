"""Host checks against fixture trees under tests/data/hosts (via --root).

The configs here have no account, so the clock check judges the daemon alone
(the skew against an exchange is tested against a sim in test_clock.py).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.audit import run_audit
from botguard.config import Config
from botguard.findings import Status

HOSTS = Path(__file__).parent.parent / "data" / "hosts"
HAS_ANALYZE = shutil.which("systemd-analyze") is not None


async def _status(config: Config, host: str, check_id: str) -> tuple[Status, str]:
    report = await run_audit(config, root=HOSTS / host, only=["host"])
    found = next(f for f in report.findings if f.id == check_id)
    return found.status, found.evidence


HARDENED_PASSES = [
    "host.ssh_password_auth_disabled",
    "host.ssh_root_login_disabled",
    "host.firewall_default_deny",
    "host.auto_updates",
    "host.security_updates",
    "host.clock_synced",
    "host.non_root_user",
    "host.unit_hardened",
]


@pytest.mark.parametrize("check_id", HARDENED_PASSES)
async def test_hardened_host_passes(config_for: Callable[..., Config], check_id: str) -> None:
    """The drop-in sets the safe values first; the main file's later yes loses."""
    config = config_for(accounts=[], service="bot")
    assert (await _status(config, "hardened", check_id))[0] is Status.PASS


@pytest.mark.parametrize(
    ("host", "check_id", "words"),
    [
        ("dropin_override", "host.ssh_password_auth_disabled", "PasswordAuthentication"),
        ("dropin_override", "host.ssh_root_login_disabled", "PermitRootLogin yes"),
        ("match_block", "host.ssh_password_auth_disabled", "Match"),
        ("match_block", "host.ssh_root_login_disabled", "Match"),
        ("ufw_inactive", "host.firewall_default_deny", "ENABLED=no"),
        ("iptables_accept", "host.firewall_default_deny", "iptables: INPUT policy ACCEPT"),
        ("unit_root", "host.non_root_user", "no User=, runs as root"),
        ("unit_dropin_root", "host.non_root_user", "User=root"),
        ("bare", "host.auto_updates", "not installed"),
        ("uu_disabled", "host.auto_updates", "installed, but APT::Periodic::Unattended-Upgrade"),
        ("bare", "host.clock_synced", "no timesyncd"),
        ("bare", "host.firewall_default_deny", "no firewall"),
    ],
)
async def test_failing_hosts_fail(
    config_for: Callable[..., Config], host: str, check_id: str, words: str
) -> None:
    """Each fixture tree fails in exactly the way its name says, with evidence."""
    status, evidence = await _status(config_for(accounts=[], service="bot"), host, check_id)
    assert status is Status.FAIL
    assert words in evidence


@pytest.mark.parametrize(
    ("host", "status", "words"),
    [
        ("iptables_deny", Status.PASS, "iptables: INPUT policy DROP; inbound open: SSH only"),
        ("harden_nft", Status.PASS, "nftables: input policy drop; inbound open: SSH only"),
        ("nft_extra_port", Status.WARN, "inbound also open: 8080"),
    ],
)
async def test_firewall_rules_are_read_from_the_tree(
    config_for: Callable[..., Config], host: str, status: Status, words: str
) -> None:
    """iptables-save files, harden's included nft table, and a port beyond SSH."""
    found = await _status(config_for(accounts=[]), host, "host.firewall_default_deny")
    assert found == (status, found[1])
    assert words in found[1]


@pytest.mark.skipif(not HAS_ANALYZE, reason="systemd-analyze is not installed")
@pytest.mark.host
@pytest.mark.parametrize(
    ("host", "status", "words"),
    [
        ("hardened", Status.PASS, "exposure 1.1 OK (limit 2.0)"),
        ("unit_weak", Status.FAIL, "exposure 8.5 EXPOSED (limit 2.0); worst: "),
        ("unit_root", Status.FAIL, "exposure 9.6 UNSAFE"),
    ],
)
async def test_unit_scored_by_systemd_analyze(
    config_for: Callable[..., Config], host: str, status: Status, words: str
) -> None:
    """Four directives are not a sandbox: systemd scores that unit 8.5 EXPOSED."""
    found = await _status(config_for(accounts=[], service="bot"), host, "host.unit_hardened")
    assert found[0] is status
    assert words in found[1]


async def test_without_systemd_analyze_directives_decide(
    config_for: Callable[..., Config], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A machine without systemd-analyze (PATH without it): the directive fallback, said so."""
    monkeypatch.setenv("PATH", str(tmp_path))
    config = config_for(accounts=[], service="bot")
    weak = await _status(config, "unit_weak", "host.unit_hardened")
    bare = await _status(config, "unit_root", "host.unit_hardened")
    assert weak[0] is Status.PASS
    assert "systemd-analyze not available" in weak[1]
    assert bare[0] is Status.FAIL
    assert "missing NoNewPrivileges=yes" in bare[1]


async def test_no_sshd_is_skip(config_for: Callable[..., Config]) -> None:
    """A host without sshd_config has no SSH to judge."""
    config = config_for(accounts=[], service="bot")
    assert (await _status(config, "bare", "host.ssh_root_login_disabled"))[0] is Status.SKIP


async def test_no_unit_is_manual(config_for: Callable[..., Config]) -> None:
    config = config_for(accounts=[])
    assert (await _status(config, "bare", "host.unit_hardened"))[0] is Status.MANUAL


SSHD = shutil.which("sshd", path="/usr/sbin:/usr/bin:/sbin:/bin")


@pytest.mark.host
@pytest.mark.skipif(SSHD is None, reason="sshd is not installed")
async def test_live_host_is_judged_by_sshd_itself(config_for: Callable[..., Config]) -> None:
    """On / the verdict quotes `sshd -T` (run in a namespace with /run/sshd if it must be)."""
    report = await run_audit(config_for(accounts=[]), root=Path("/"), only=["host"])
    found = next(f for f in report.findings if f.id == "host.ssh_root_login_disabled")
    if not found.evidence.startswith("sshd -T"):
        pytest.skip(f"sshd -T cannot run here ({found.evidence}); the parser decided")
    script = 'mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec "$@"'
    argv = ["unshare", "-rm", "sh", "-c", script, "sh", str(SSHD), "-T"]
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True)
    out = done.stdout
    value = next(ln.split()[1] for ln in out.splitlines() if ln.startswith("permitrootlogin "))
    assert found.evidence == f"sshd -T: PermitRootLogin {value}"
    assert found.status is (Status.PASS if value == "no" else Status.FAIL)
