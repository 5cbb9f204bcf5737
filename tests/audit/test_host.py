"""Host checks against fixture trees under tests/data/hosts (via --root)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.audit import run_audit
from botguard.config import Config
from botguard.findings import Status

HOSTS = Path(__file__).parent.parent / "data" / "hosts"


async def _status(config: Config, host: str, check_id: str) -> tuple[Status, str]:
    report = await run_audit(config, root=HOSTS / host, only=["host"])
    found = next(f for f in report.findings if f.id == check_id)
    return found.status, found.evidence


HARDENED_PASSES = [
    "host.ssh_password_auth_disabled",
    "host.ssh_root_login_disabled",
    "host.firewall_default_deny",
    "host.auto_updates",
    "host.clock_synced",
    "host.non_root_user",
    "host.unit_hardened",
]


@pytest.mark.parametrize("check_id", HARDENED_PASSES)
async def test_hardened_host_passes(config_for: Callable[..., Config], check_id: str) -> None:
    """The drop-in sets the safe values first; the main file's later yes loses."""
    assert (await _status(config_for(service="bot"), "hardened", check_id))[0] is Status.PASS


@pytest.mark.parametrize(
    ("host", "check_id", "words"),
    [
        ("dropin_override", "host.ssh_password_auth_disabled", "PasswordAuthentication"),
        ("dropin_override", "host.ssh_root_login_disabled", "PermitRootLogin yes"),
        ("match_block", "host.ssh_password_auth_disabled", "Match"),
        ("match_block", "host.ssh_root_login_disabled", "Match"),
        ("ufw_inactive", "host.firewall_default_deny", "ENABLED=no"),
        ("unit_root", "host.non_root_user", "root"),
        ("unit_root", "host.unit_hardened", "NoNewPrivileges"),
        ("bare", "host.auto_updates", "not installed"),
        ("bare", "host.clock_synced", "no timesyncd"),
        ("bare", "host.firewall_default_deny", "no nftables"),
    ],
)
async def test_failing_hosts_fail(
    config_for: Callable[..., Config], host: str, check_id: str, words: str
) -> None:
    """Each fixture tree fails in exactly the way its name says, with evidence."""
    status, evidence = await _status(config_for(service="bot"), host, check_id)
    assert status is Status.FAIL
    assert words in evidence


async def test_no_sshd_is_skip(config_for: Callable[..., Config]) -> None:
    """A host without sshd_config has no SSH to judge."""
    assert (await _status(config_for(service="bot"), "bare", "host.ssh_root_login_disabled"))[
        0
    ] is Status.SKIP
