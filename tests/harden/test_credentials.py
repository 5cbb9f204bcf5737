"""Credential names: what `harden` loads and what `run` hands over must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.config import parse_config
from botguard.errors import ConfigError
from botguard.harden.credentials import config_refs, credential_name, credential_names

NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("env:EX_API_KEY", "EX_API_KEY"),
        ("systemd:ex_api_key", "EX_API_KEY"),
        ("dotenv:/opt/bot/.env#BINANCE_SECRET", "BINANCE_SECRET"),
        ("file:/run/keys/api-key", "API_KEY"),
        ("keyring:gridbot/okx.passphrase", "OKX_PASSPHRASE"),
        ("vault:kv/bots/grid#api_key", "API_KEY"),
        ("file:/run/keys/2fa", "EX_2FA"),
    ],
)
def test_name_is_the_references_last_part(ref: str, name: str) -> None:
    assert credential_name(ref) == name


@given(st.text(min_size=1, max_size=60).map(lambda s: "file:" + s))
def test_every_reference_gives_a_valid_variable_name(ref: str) -> None:
    assert NAME_RE.match(credential_name(ref))


@given(st.from_regex(r"[A-Z_][A-Z0-9_]{0,30}", fullmatch=True))
def test_env_names_are_kept(name: str) -> None:
    stripped = name.strip("_")
    if stripped and not stripped[0].isdigit():
        assert credential_name(f"env:{name}") == stripped


def test_two_references_with_one_name_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="both be handed over as API_KEY"):
        credential_names(["file:/a/api_key", "env:API_KEY"])


def test_refs_are_collected_once_in_file_order() -> None:
    raw = {
        "bot": {"name": "b"},
        "account": [
            {"name": "a", "exchange": "okx", "api_key": "env:K", "secret": "env:S"},
            {"name": "b", "exchange": "okx", "api_key": "env:K", "secret": "env:S2"},
        ],
        "alerts": {"urls": ["env:ALERT_URL"]},
    }
    config = parse_config(raw, path=Path("/tmp/botguard.toml"))
    assert config_refs(config) == ["env:K", "env:S", "env:S2"]
    assert config_refs(config, include_alerts=True)[-1] == "env:ALERT_URL"
