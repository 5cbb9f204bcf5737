"""botguard.toml loading: good input parses, bad input is one clear line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.config import load_config
from botguard.errors import ConfigError

GOOD = """
[bot]
name = "gridbot"
workdir = "bot"

[state]
dir = "state"

[[account]]
name = "main"
exchange = "binance"
api_key = "env:EX_API_KEY"
secret = "env:EX_API_SECRET"
markets = ["spot", "swap"]
keep = ["BNB"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(text)
    return path


def test_good_config_resolves_relative_paths(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.bot.workdir == tmp_path / "bot"
    assert config.state.dir == tmp_path / "state"
    assert config.account[0].keep == ["BNB"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            GOOD.replace('name = "gridbot"', 'name = "gridbot"\ncolour = "red"'),
            "bot.colour: unknown key",
        ),
        (GOOD.replace('markets = ["spot", "swap"]', 'markets = "spot"'), "account[0].markets"),
        (
            GOOD.replace('exchange = "binance"\n', ""),
            "account[0].exchange: required key is missing",
        ),
        (
            GOOD.replace('"env:EX_API_KEY"', '"AbCdEf0123456789literal"'),
            "account[0].api_key: not a secret reference",
        ),
        (GOOD + GOOD[GOOD.index("[[account]]") :], 'two accounts are named "main"'),
    ],
)
def test_bad_config_names_key_path(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert expected in str(info.value)
    assert "AbCdEf0123456789literal" not in str(info.value)


def test_missing_config_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="botguard init"):
        load_config(tmp_path / "nope.toml")


def test_relative_dotenv_and_file_references_mean_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`botguard init` writes dotenv:.env#...; it must work from any working directory."""
    from botguard.secrets.refs import resolve_secret

    env = tmp_path / ".env"
    env.write_text("EX_API_KEY=key-from-dotenv\n")
    env.chmod(0o600)
    (tmp_path / "secret.txt").write_text("secret-from-file\n")
    (tmp_path / "secret.txt").chmod(0o600)
    text = GOOD.replace('"env:EX_API_KEY"', '"dotenv:.env#EX_API_KEY"').replace(
        '"env:EX_API_SECRET"', '"file:secret.txt"'
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    account = load_config(write(tmp_path, text)).account[0]
    assert account.api_key == f"dotenv:{env}#EX_API_KEY"
    assert resolve_secret(account.api_key).reveal() == "key-from-dotenv"
    assert resolve_secret(account.secret).reveal() == "secret-from-file"


def test_absolute_home_and_other_references_are_left_alone(tmp_path: Path) -> None:
    from botguard.config import anchor_ref

    for ref in ("env:X", "dotenv:/etc/bot/.env#X", "file:~/key", "vault:kv/bot#key"):
        assert anchor_ref(ref, tmp_path) == ref
