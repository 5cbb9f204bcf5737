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
