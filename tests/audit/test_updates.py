"""Security updates from dpkg's status and apt's security index; dpkg's version order."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.audit import run_audit
from botguard.audit.checks.debversion import compare_versions
from botguard.audit.checks.updates import pending_security
from botguard.config import Config
from botguard.findings import Finding, Status

from .conftest import HOSTS

LIST = "mirror.example_debian-security_dists_bookworm-security_main_binary-amd64_Packages"


async def _updates(config: Config, root: Path) -> Finding:
    report = await run_audit(config, root=root, only=["host"])
    return next(f for f in report.findings if f.id == "host.security_updates")


async def test_up_to_date_host_passes(config_for: Callable[..., Config]) -> None:
    """libssl3 is newer than the index's and old-removed is not installed: neither pending."""
    found = await _updates(config_for(accounts=[]), HOSTS / "hardened")
    assert found.status is Status.PASS
    assert found.evidence.startswith("installed packages match 1 security index(es)")


async def test_older_installed_versions_fail_epoch_included(
    config_for: Callable[..., Config],
) -> None:
    found = await _updates(config_for(accounts=[]), HOSTS / "updates_pending")
    assert found.status is Status.FAIL
    assert found.evidence.startswith("2 security update(s) pending: openssl, tzdata")


async def test_gzipped_index_is_read(tmp_path: Path) -> None:
    root = tmp_path / "host"
    shutil.copytree(HOSTS / "updates_pending", root)
    index = root / "var/lib/apt/lists" / LIST
    (index.parent / f"{LIST}.gz").write_bytes(gzip.compress(index.read_bytes()))
    index.unlink()
    pending, indexes = pending_security(root)
    assert pending == ["openssl", "tzdata"]
    assert [p.name for p in indexes] == [f"{LIST}.gz"]


async def test_no_security_index_warns(config_for: Callable[..., Config], tmp_path: Path) -> None:
    root = tmp_path / "host"
    shutil.copytree(HOSTS / "hardened", root)
    (root / "var/lib/apt/lists" / LIST).unlink()
    found = await _updates(config_for(accounts=[]), root)
    assert found.status is Status.WARN
    assert "no security index" in found.evidence


async def test_not_debian_is_skip(config_for: Callable[..., Config]) -> None:
    assert (await _updates(config_for(accounts=[]), HOSTS / "bare")).status is Status.SKIP


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("1.0", "1.0", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0+deb12u1", -1),
        ("1:0.9", "2.0", 1),
        ("3.0.17-1~deb12u2", "3.0.17-1~deb12u3", -1),
        ("1.10", "1.9", 1),
        ("1.0a", "1.0+", -1),
        ("1.01", "1.1", 0),
        ("2025b-0+deb12u2", "2025b-0+deb12u1", 1),
    ],
)
def test_known_version_orders(a: str, b: str, sign: int) -> None:
    result = compare_versions(a, b)
    assert (result > 0) - (result < 0) == sign


part = st.text(alphabet="0123456789abcz.+~", min_size=1, max_size=6).filter(
    lambda s: s[0].isdigit()
)
versions = st.builds(
    lambda e, u, r: f"{e}{u}{r}",
    st.sampled_from(["", "1:", "2:"]),
    part,
    st.sampled_from(["", "-1", "-0+deb12u1", "-1~bpo1", "-2ubuntu0.1"]),
)
HAS_DPKG = shutil.which("dpkg") is not None


@pytest.mark.skipif(not HAS_DPKG, reason="dpkg is not installed")
@settings(max_examples=60, deadline=None)
@given(versions, versions)
def test_order_matches_dpkg(a: str, b: str) -> None:
    """The reference is dpkg itself: `dpkg --compare-versions A lt B`."""
    lt = subprocess.run(["dpkg", "--compare-versions", a, "lt", b], check=False).returncode == 0
    assert (compare_versions(a, b) < 0) == lt


@given(versions, versions)
def test_order_is_antisymmetric_and_reflexive(a: str, b: str) -> None:
    assert compare_versions(a, a) == 0
    assert (compare_versions(a, b) < 0) == (compare_versions(b, a) > 0)
