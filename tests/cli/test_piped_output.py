"""Piped output (logs, CI) keeps whole paths: not squeezed to 80 columns, COLUMNS honoured."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main
from botguard.secrets.console import PIPE_WIDTH, make_console

from .process import botguard


def _harden_config(tmp_path: Path) -> Path:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    config = tmp_path / "botguard.toml"
    text = config.read_text()
    text = text.replace('# command = ["/opt', 'command = ["/opt').replace("# user = ", "user = ")
    config.write_text(text.replace('dir = "state" ', 'dir = "/var/lib/botguard" '))
    return config


def test_harden_piped_keeps_every_install_path_whole(tmp_path: Path) -> None:
    config = _harden_config(tmp_path)
    env_columns = {"COLUMNS": ""}
    done = botguard("harden", "-c", str(config), "--out", "deploy", "--no-validate",
                    cwd=tmp_path, env=env_columns)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "/etc/systemd/system/mybot.service" in done.stdout
    assert "/etc/systemd/system/botguard-watch-mybot.service" in done.stdout
    assert "…" not in done.stdout


def test_a_pipe_is_wide_unless_columns_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert make_console().width == PIPE_WIDTH
    monkeypatch.setenv("COLUMNS", "100")
    assert make_console().width == 100


def test_scan_piped_keeps_a_deep_location_whole(tmp_path: Path) -> None:
    value = "piped-scan-value-0123456789abcdef"
    deep = tmp_path / "bot" / "strategies" / "momentum_breakout_v2" / "settings"
    deep.mkdir(parents=True)
    (deep / "exchange_credentials_backup.py").write_text(f"KEY = '{value}'\n")
    config = tmp_path / "botguard.toml"
    config.write_text(
        '[bot]\nname = "b"\n[[account]]\nname = "main"\nexchange = "binance"\n'
        'api_key = "env:PIPED_SCAN_KEY"\nsecret = "env:PIPED_SCAN_KEY"\n'
    )
    done = botguard("scan", "-c", str(config), str(tmp_path / "bot"), cwd=tmp_path,
                    env={"PIPED_SCAN_KEY": value, "COLUMNS": ""})  # fmt: skip
    assert done.returncode == 1, done.stderr
    where = "strategies/momentum_breakout_v2/settings/exchange_credentials_backup.py:1"
    assert where in done.stdout
    assert value not in done.stdout
