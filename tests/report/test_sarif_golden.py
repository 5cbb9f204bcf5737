"""Audit SARIF stays what users' code-scanning tools already ingest (tests/data/sarif)."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main
from tests.audit.conftest import HOSTS
from tests.report.golden import compare, normalised


def test_audit_sarif_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "botguard.toml"
    config.write_text(f'[bot]\nname = "gridbot"\n\n[state]\ndir = "{tmp_path / "state"}"\n')
    out = tmp_path / "audit.sarif"
    root = HOSTS / "unit_root"
    args = ["audit", "--root", str(root), "--only", "host", "-f", "sarif", "-o", str(out)]
    assert main([*args, "--config", str(config)]) == 1
    capsys.readouterr()
    compare("audit.json", normalised(out.read_text(), {str(root): "ROOT"}))
