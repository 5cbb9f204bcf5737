"""`botguard drill`: the kill against an in-process sim, recorded as kind 'drill'."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main
from botguard.journal import Journal
from botguard.testing.sim import run_sim

from .test_cli_kill import scenario, write_config

pytestmark = pytest.mark.sim


def test_drill_from_live_exposure_reads_only_and_is_journaled(tmp_path: Path) -> None:
    with run_sim(scenario()) as live:
        before = live.state()
        code = main(["drill", "-c", str(write_config(tmp_path, live.url))])
        methods = {e["method"] for e in live.log()}
        after = live.state()
    assert code == 0
    assert methods == {"GET"}  # the live account was only read
    assert before["accounts"] == after["accounts"]
    assert not (tmp_path / "state" / "HALTED").exists()  # the real bot was not halted
    with Journal(tmp_path / "state") as journal:
        (run,) = journal.runs("drill")
    assert run.status == "flat"
    assert run.summary["accounts"]["main"]["closed"] == 1
    assert run.summary["timings"]["drill_s"] > 0


def test_drill_with_a_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"  # a scenario's own sim keys (not the canaries)
    path.write_text(
        """
[[account]]
name = "main"
api_key = "scenario-key-0123456789"
secret = "scenario-secret-0123456789"
[account.spot]
USDT = "100"
BTC = "0.01"
""",
        encoding="utf-8",
    )
    config = write_config(tmp_path, "http://127.0.0.1:9")  # never contacted
    assert main(["drill", "--scenario", str(path), "-c", str(config)]) == 0
    with Journal(tmp_path / "state") as journal:
        assert [r.kind for r in journal.runs("drill")] == ["drill"]


def test_drill_scenario_without_a_configured_account_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[account]]\nname = "other"\napi_key = "k"\nsecret = "s"\n')
    config = write_config(tmp_path, "http://127.0.0.1:9")
    assert main(["drill", "--scenario", str(path), "-c", str(config)]) == 2
