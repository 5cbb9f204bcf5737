"""Every bad botguard.toml input through the CLI: one clear line naming the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main

GOOD = """\
[bot]
name = "gridbot"

[[account]]
name = "main"
exchange = "binance"
api_key = "env:EX_API_KEY"
secret = "env:EX_API_SECRET"
"""
LITERAL = "AKIAliteralvalue0123456789abcdef"
ACCOUNT = GOOD[GOOD.index("[[account]]") :]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace('name = "gridbot"', 'name = "gridbot"\ncolour = "red"'),
         "bot.colour: unknown key"),
        (GOOD + '\n[colour]\nx = 1\n', "colour: unknown key"),
        (GOOD.replace('exchange = "binance"', 'exchange = "binance"\nmarkets = "spot"'),
         "account[0].markets: Input should be a valid list"),
        (GOOD.replace('exchange = "binance"', 'exchange = 7'),
         "account[0].exchange: Input should be a valid string"),
        (GOOD + '\n[kill]\ndeadline_s = "soon"\n',
         "kill.deadline_s: Input should be a valid number"),
        (GOOD.replace('secret = "env:EX_API_SECRET"\n', ""),
         "account[0].secret: required key is missing"),
        (GOOD.replace('exchange = "binance"\n', ""),
         "account[0].exchange: required key is missing"),
        (GOOD.replace('"env:EX_API_KEY"', f'"{LITERAL}"'),
         "account[0].api_key: not a secret reference"),
        (GOOD.replace('"env:EX_API_SECRET"', f'"{LITERAL}"'),
         "account[0].secret: not a secret reference"),
        (GOOD + "\n" + ACCOUNT, 'two accounts are named "main"'),
        (GOOD.replace("[bot]", "[bot\n"), "not valid TOML"),
    ],
)  # fmt: skip
def test_bad_config_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "botguard.toml"
    path.write_text(text)
    assert main(["secrets", "check", "--config", str(path)]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"botguard: error: {path}: ")
    assert expected in lines[0]
    assert "Traceback" not in out + err
    assert LITERAL not in out + err  # a value in the wrong place may be a secret


def test_each_problem_gets_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "botguard.toml"
    path.write_text(GOOD.replace('"env:EX_API_KEY"', f'"{LITERAL}"') + "oops = 1\n")
    assert main(["secrets", "check", "--config", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert any("account[0].api_key: not a secret reference" in line for line in lines)
    assert any("account[0].oops: unknown key" in line for line in lines)


def test_missing_config_and_env_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOTGUARD_CONFIG", str(tmp_path / "absent.toml"))
    assert main(["secrets", "check"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'absent.toml'}: not found; run `botguard init`" in err


def test_bad_reference_scheme_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "botguard.toml"
    path.write_text(GOOD.replace('"env:EX_API_KEY"', '"envv:EX_API_KEY"'))
    assert main(["secrets", "check", "--config", str(path)]) == 2
    assert "account[0].api_key: not a secret reference" in capsys.readouterr().err
