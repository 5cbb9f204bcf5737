"""Every name at its longest legal form still makes files the real tools accept.

The config validators cap names at what systemd, sshd and useradd take (unit
names 255 characters with the suffix, user names 32); this pins that the caps
are not too loose (a legal config must validate) by running the real tools on
the result. Marked `host`: each tool's check skips where the tool is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.config import Config, load_config
from botguard.errors import ConfigError
from botguard.harden.bundle import build_bundle, write_bundle
from botguard.harden.model import HardenFile, Kind
from botguard.harden.validate import check_ruleset, check_sshd_dropin, verify_unit
from botguard.names import BOT_NAME_MAX, INSTANCE_PREFIX_MAX, UNIT_NAME_MAX

pytestmark = pytest.mark.host
WriteConfig = Callable[..., Path]

BOT_NAME = ("grid-bot_v2." * 20)[: BOT_NAME_MAX - 1] + "x"
SERVICE = ("Grid.bot-" * 30)[: UNIT_NAME_MAX - len(".service")] + ".service"
PREFIX = "ab-" * 20 + "c" * (INSTANCE_PREFIX_MAX - 20 * 6)
INSTANCE = f"{PREFIX}@{'i' * (UNIT_NAME_MAX - len(PREFIX) - len('@.service'))}.service"
USER = "_" + "botuser-0123456789_" * 2
USER = USER[:32]
WATCH_USER = ("w" + "atchdog-" * 4)[:32]
HOST = ".".join(["h" * 63] * 4)[:253]
CRED = "K" * (255 - BOT_NAME_MAX - 1)
"""The longest credential name that still fits `/etc/credstore.encrypted/NAME.CRED`."""

LONGEST = f"""
[bot]
name = "{BOT_NAME}"
service = "{SERVICE}"
user = "{USER}"
command = ["/usr/bin/python3", "bot.py"]

[state]
dir = "/var/lib/botguard"

[[account]]
name = "main"
exchange = "binance"
api_key = "env:{CRED}"
secret = "env:S"

[harden]
watch_user = "{WATCH_USER}"
ssh_users = ["{USER}", "{USER}@{HOST}", "{USER}@203.0.113.0/24"]
"""


def need(tool: str) -> None:
    if shutil.which(tool) is None and not (Path("/usr/sbin") / tool).exists():
        pytest.skip(f"{tool} is not installed (apt-get install the package that has it)")


@pytest.fixture
def longest(tmp_path: Path) -> tuple[Config, list[HardenFile], Path]:
    path = tmp_path / "botguard.toml"
    path.write_text(LONGEST)
    config = load_config(path)
    files = build_bundle(config)
    out = tmp_path / "out"
    write_bundle(files, out)
    return config, files, out


def test_the_names_really_are_at_their_limits(
    longest: tuple[Config, list[HardenFile], Path],
) -> None:
    config, files, _ = longest
    assert len(config.bot.user or "") == len(config.harden.watch_user) == 32
    units = [Path(f.name).name for f in files if f.kind is Kind.UNIT]
    assert sorted(len(u) for u in units) == [UNIT_NAME_MAX, UNIT_NAME_MAX]
    assert len(f"{BOT_NAME}.{CRED}") == 255


def test_units_pass_systemd_analyze_verify(longest: tuple[Config, list[HardenFile], Path]) -> None:
    need("systemd-analyze")
    _, files, out = longest
    for item in files:
        if item.kind is Kind.UNIT:
            result = verify_unit(out / item.name)
            assert result.ok, result.detail


def test_sshd_dropin_passes_sshd_t(longest: tuple[Config, list[HardenFile], Path]) -> None:
    need("sshd")
    need("ssh-keygen")
    _, _, out = longest
    result = check_sshd_dropin(out / "ssh" / "10-botguard.conf")
    assert result.ok, result.detail


def test_ruleset_passes_nft_c(longest: tuple[Config, list[HardenFile], Path]) -> None:
    need("nft")
    _, _, out = longest
    result = check_ruleset(out / "nftables" / "botguard.nft")
    assert result.ok, result.detail


def test_one_character_more_in_a_credential_name_is_a_config_error(tmp_path: Path) -> None:
    """`NAME.CRED` is one file name (at most 255): harden says which to shorten."""
    path = tmp_path / "botguard.toml"
    path.write_text(LONGEST.replace(f"env:{CRED}", f"env:{CRED}K"))
    with pytest.raises(ConfigError, match=r"bot\.name .*too long.*shorten bot\.name"):
        build_bundle(load_config(path), botguard="/usr/local/bin/botguard")


def test_write_config_fixture_is_unaffected(write_config: WriteConfig) -> None:
    """The ordinary test config is far from every limit (a sanity check on the helpers)."""
    assert len(load_config(write_config()).bot.name) < 20


def test_the_longest_instance_name_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """An instance's prefix, escaped into its slice name, has its own, shorter limit."""
    need("systemd-analyze")
    assert len(PREFIX) + 3 * PREFIX.count("-") == INSTANCE_PREFIX_MAX
    assert len(INSTANCE) == UNIT_NAME_MAX
    path = tmp_path / "botguard.toml"
    path.write_text(LONGEST.replace(SERVICE, INSTANCE))
    files = build_bundle(load_config(path))
    write_bundle(files, tmp_path / "out")
    result = verify_unit(tmp_path / "out" / "systemd" / INSTANCE)
    assert result.ok, result.detail
