"""`botguard secrets check`: a table of sources, lengths and fingerprints; never a value."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.testing.canary import CANARIES

CONFIG = """
[bot]
name = "gridbot"

[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "file:{secret_file}"
password = "dotenv:{dotenv}#BOTGUARD_CANARY_PASSWORD"

[alerts]
urls = ["env:BOTGUARD_CANARY_SECRET"]
"""


def write_config(tmp_path: Path, mode: int = 0o600) -> Path:
    """A config whose secrets live in the environment, a file and a dotenv file.

    The files hold non-canary values: the canary guard scans tmp_path.
    """
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("file-held-secret-value\n")
    dotenv = tmp_path / ".env"
    dotenv.write_text("BOTGUARD_CANARY_PASSWORD=dotenv-held-passphrase\n")
    for path in (secret_file, dotenv):
        path.chmod(mode)
    config = tmp_path / "botguard.toml"
    config.write_text(CONFIG.format(secret_file=secret_file, dotenv=dotenv))
    return config


def test_check_prints_fingerprints_never_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["secrets", "check", "--config", str(write_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    key = CANARIES["BOTGUARD_CANARY_API_KEY"]
    assert hashlib.sha256(key.encode()).hexdigest()[:12] in out
    assert hashlib.sha256(b"file-held-secret-value").hexdigest()[:12] in out
    assert str(len(key)) in out
    for source in ("environment", "file", "dotenv", "alerts.urls[0]"):
        assert source in out
    assert "file-held-secret-value" not in out
    assert "dotenv-held-passphrase" not in out
    assert "All secret references resolved." in out


def test_failures_exit_1_with_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BOTGUARD_CANARY_API_KEY")
    config = write_config(tmp_path, mode=0o644)
    assert main(["secrets", "check", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("botguard: secret failed")]
    assert len(lines) == 3
    assert "main.api_key: env:BOTGUARD_CANARY_API_KEY: environment variable" in lines[0]
    assert "looked in this process's environment, not in a .env file" in lines[0]
    assert "fix: `export BOTGUARD_CANARY_API_KEY=...`" in lines[0]
    assert f"chmod 600 {tmp_path / 'secret.txt'}" in lines[1]
    assert f"chmod 600 {tmp_path / '.env'}" in lines[2]
    assert "FAIL" in out
    assert "file-held-secret-value" not in out + err


def test_insecure_perms_resolves_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, mode=0o644)
    assert main(["secrets", "check", "--insecure-perms", "--config", str(config)]) == 0
    assert "INSECURE" in capsys.readouterr().err


def test_bad_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["secrets", "check", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "botguard init" in capsys.readouterr().err
