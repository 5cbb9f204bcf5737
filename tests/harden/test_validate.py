"""The generated files pass the real tools: systemd-analyze, sshd, nft, apt-config.

Marked `host`: each test skips, naming the missing tool, where the tool is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from botguard.config import Config
from botguard.harden.bundle import build_bundle, write_bundle
from botguard.harden.model import HardenFile, Kind
from botguard.harden.validate import (
    check_apt_conf,
    check_ruleset,
    check_sshd_dropin,
    check_unit_security,
    unit_exposure,
    verify_unit,
)
from botguard.sandbox import MAX_EXPOSURE

pytestmark = pytest.mark.host
DATA = Path(__file__).parent.parent / "data"


def need(tool: str) -> str:
    path = shutil.which(tool) or next(
        (str(p) for p in (Path("/usr/sbin") / tool,) if p.exists()), None
    )
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install the package that has it)")
    return path


@pytest.fixture
def bundle(config: Config, tmp_path: Path) -> tuple[list[HardenFile], Path]:
    files = build_bundle(config)
    out = tmp_path / "out"
    write_bundle(files, out)
    return files, out


def of_kind(bundle: tuple[list[HardenFile], Path], kind: Kind) -> list[Path]:
    files, out = bundle
    return [out / f.name for f in files if f.kind is kind]


def test_units_pass_systemd_analyze_verify(bundle: tuple[list[HardenFile], Path]) -> None:
    need("systemd-analyze")
    for unit in of_kind(bundle, Kind.UNIT):
        result = verify_unit(unit)
        assert result.ok, result.detail


def test_units_score_ok_in_systemd_analyze_security(bundle: tuple[list[HardenFile], Path]) -> None:
    need("systemd-analyze")
    for unit in of_kind(bundle, Kind.UNIT):
        exposure = unit_exposure(unit)
        assert exposure.score <= MAX_EXPOSURE
        assert exposure.level == "OK"
        assert check_unit_security(unit).ok


@pytest.mark.parametrize("name", ["freqtrade.service", "freqtrade-watchdog.service"])
def test_freqtrade_documented_units_score_unsafe(name: str, tmp_path: Path) -> None:
    """The baseline the closing note compares against: freqtrade's suggested units."""
    need("systemd-analyze")
    unit = tmp_path / "freqtrade.service"
    unit.write_text((DATA / name).read_text())
    exposure = unit_exposure(unit)
    assert exposure.level == "UNSAFE"
    assert exposure.score > 9.0
    assert not check_unit_security(unit).ok


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    need("systemd-analyze")
    unit = tmp_path / "broken.service"
    unit.write_text("[Service]\nExecStart=/nonexistent/bot\nProtectSystem=strictt\n")
    result = verify_unit(unit)
    assert not result.ok
    assert "strictt" in result.detail or "nonexistent" in result.detail


def test_sshd_accepts_the_dropin(bundle: tuple[list[HardenFile], Path]) -> None:
    need("sshd")
    (dropin,) = of_kind(bundle, Kind.SSHD)
    result = check_sshd_dropin(dropin)
    assert result.ok, result.detail


def test_dropin_wins_over_a_password_friendly_main_config(
    bundle: tuple[list[HardenFile], Path], tmp_path: Path
) -> None:
    """Included first, as Debian does, the drop-in beats a later `PasswordAuthentication yes`."""
    sshd = need("sshd")
    keygen = need("ssh-keygen")
    (dropin,) = of_kind(bundle, Kind.SSHD)
    key = tmp_path / "hostkey"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    main = tmp_path / "sshd_config"
    main.write_text(
        f"Include {dropin}\nHostKey {key}\nPasswordAuthentication yes\nPermitRootLogin yes\n"
        "KbdInteractiveAuthentication yes\n"
    )
    script = 'mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec "$@"'
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", sshd, "-T", "-f", str(main),
         "-C", "user=ann,host=h,addr=198.51.100.7"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    effective = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    assert effective["passwordauthentication"] == "no"
    assert effective["permitrootlogin"] == "no"
    assert effective["kbdinteractiveauthentication"] == "no"
    assert effective["authenticationmethods"] == "publickey"


def test_sshd_check_fails_on_a_bad_dropin(tmp_path: Path) -> None:
    need("sshd")
    dropin = tmp_path / "10-bad.conf"
    dropin.write_text("PasswordAuthentication maybe\n")
    result = check_sshd_dropin(dropin)
    assert not result.ok
    assert "maybe" in result.detail or "PasswordAuthentication" in result.detail


def test_nft_accepts_the_ruleset(bundle: tuple[list[HardenFile], Path]) -> None:
    need("nft")
    (ruleset,) = of_kind(bundle, Kind.NFT)
    result = check_ruleset(ruleset)
    assert result.ok, result.detail


def test_nft_check_fails_on_a_bad_ruleset(tmp_path: Path) -> None:
    need("nft")
    bad = tmp_path / "bad.nft"
    bad.write_text(
        "table inet t { chain c { type filter hook input priority 0; tcp dport 22 acept; } }\n"
    )
    result = check_ruleset(bad)
    assert not result.ok
    assert "syntax error" in result.detail


def test_loaded_ruleset_drops_by_default_and_allows_ssh_https_dns_ntp(
    bundle: tuple[list[HardenFile], Path],
) -> None:
    """Load it for real in a throwaway network namespace and read back what the kernel holds."""
    nft = need("nft")
    (ruleset,) = of_kind(bundle, Kind.NFT)
    proc = subprocess.run(
        ["unshare", "-rn", "sh", "-c", f"{nft} -f {ruleset} && {nft} list ruleset"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    listed = proc.stdout
    assert listed.count("policy drop;") == 3
    assert "tcp dport 22 ct state new accept" in listed
    assert "tcp dport 443 accept" in listed
    assert "th dport 53 accept" in listed
    assert "udp dport 123 accept" in listed


def test_ssh_allow_list_limits_the_sources(config: Config, tmp_path: Path) -> None:
    nft = need("nft")
    from botguard.config import parse_config
    from botguard.harden.firewall import render_ruleset

    raw = {"bot": {"name": "b"}, "harden": {"ssh_allow": ["203.0.113.0/24", "2001:db8::/32"],
                                            "ssh_port": 2222}}  # fmt: skip
    ruleset = tmp_path / "r.nft"
    ruleset.write_text(render_ruleset(parse_config(raw, path=tmp_path / "b.toml")))
    proc = subprocess.run(
        ["unshare", "-rn", "sh", "-c", f"{nft} -f {ruleset} && {nft} list chain inet botguard input"],  # noqa: E501
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "ip saddr 203.0.113.0/24 tcp dport 2222 ct state new accept" in proc.stdout
    assert "ip6 saddr 2001:db8::/32 tcp dport 2222 ct state new accept" in proc.stdout
    assert "dport 22 " not in proc.stdout


def test_apt_settings_parse_and_enable_security_updates(
    bundle: tuple[list[HardenFile], Path],
) -> None:
    tool = need("apt-config")
    files = of_kind(bundle, Kind.APT)
    for conf in files:
        assert check_apt_conf(conf).ok
    args = [a for f in files for a in ("-c", str(f))]
    dump = subprocess.run([tool, *args, "dump"], capture_output=True, text=True, check=True).stdout
    assert 'APT::Periodic::Unattended-Upgrade "1";' in dump
    assert "label=Debian-Security" in dump
