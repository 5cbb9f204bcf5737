"""Scan SARIF stays what users' code-scanning tools already ingest (tests/data/sarif)."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main
from tests.report.golden import compare, normalised

from .conftest import KEY, Commit
from .test_cli import KEY64  # the one copy, accepted in the repo's scan baseline


def test_scan_sarif_is_unchanged(
    tmp_path: Path,
    repo: Path,
    commit: Commit,
    canary_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    date = "2026-01-02T03:04:05+00:00"  # fixed, so the commit ids are too
    commit({"a.py": f"K = '{KEY}'\n", "b.env": f"BINANCE_API_KEY={KEY64}\n"}, date=date)
    commit({"a.py": "K = 'gone'\n"}, date=date)
    config = tmp_path / "botguard.toml"
    config.write_text(
        f'[bot]\nname = "gridbot"\nworkdir = "{repo}"\n\n[[account]]\nname = "main"\n'
        'exchange = "binance"\napi_key = "env:BOTGUARD_CANARY_API_KEY"\n'
        'secret = "env:BOTGUARD_CANARY_SECRET"\n'
    )
    with (repo / "big.bin").open("wb") as fh:  # sparse: over the cap, skipped unread
        fh.truncate(51 * 1024 * 1024)
    out = tmp_path / "scan.sarif"
    args = ["scan", "--config", str(config), "--history", "-f", "sarif", "-o", str(out)]
    assert main(args) == 1
    capsys.readouterr()
    compare("scan.json", normalised(out.read_text(), {str(tmp_path).lstrip("/"): "TMP"}))
