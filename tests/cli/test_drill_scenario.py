"""`botguard drill` with no key yet: the built-in scenario runs, labelled, and does not count."""

from __future__ import annotations

from pathlib import Path

import pytest

from botguard.cli import main
from botguard.journal import Journal

pytestmark = pytest.mark.sim


def test_no_readable_key_runs_the_scenario_drill_which_does_not_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0  # .env left empty, as a newcomer has it
    config = str(tmp_path / "botguard.toml")
    capsys.readouterr()

    assert main(["drill", "-c", config]) == 2  # the drill of the real account did not happen
    out, err = capsys.readouterr()

    assert "a SCENARIO DRILL on the simulator, not your accounts" in out
    assert "scenario drill flat" in out
    (line,) = err.strip().splitlines()  # one line: what was wrong and what to do
    env = tmp_path / ".env"
    assert line == (
        f"botguard: error: drill: dotenv:{env}#EX_API_KEY: EX_API_KEY is not set in {env}; "
        "the scenario drill above does not count: fix `botguard secrets check`, "
        "then `botguard drill` again"
    )
    with Journal(tmp_path / "state") as journal:
        assert [r.kind for r in journal.runs()] == ["scenario-drill"]
        assert journal.runs("scenario-drill")[0].status == "flat"
    assert main(["audit", "-c", config, "--only", "kill", "-f", "json"]) == 1
    assert '"evidence": "no drill in the journal"' in capsys.readouterr().out


def test_an_unreachable_exchange_also_falls_back_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    config = tmp_path / "botguard.toml"
    text = config.read_text().replace(
        '# base_url = "http://127.0.0.1:8899"', 'base_url = "http://127.0.0.1:9"'
    )
    config.write_text(text)
    env = tmp_path / ".env"
    env.write_text("EX_API_KEY=user-key-0123456789\nEX_API_SECRET=user-secret-0123456789\n")
    capsys.readouterr()

    assert main(["drill", "-c", str(config)]) == 3
    out, err = capsys.readouterr()
    assert "scenario drill flat" in out
    assert "fix the exchange (base_url, network)" in err
