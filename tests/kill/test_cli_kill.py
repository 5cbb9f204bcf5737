"""`botguard kill` through main(): confirmation, --yes, --dry-run, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from botguard.cli import main
from botguard.testing.sim import run_sim

from .conftest import sim_account

pytestmark = pytest.mark.sim


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
[state]
dir = "{tmp_path / "state"}"
[kill]
deadline_s = 15
[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["spot", "swap"]
base_url = "{url}"
""",
        encoding="utf-8",
    )
    return path


def scenario() -> dict[str, Any]:
    pos = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "6e4"}
    return {"account": [sim_account(spot={"USDT": "100", "ETH": "1"}, positions=[pos])]}


def test_no_terminal_and_no_yes_refuses_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with run_sim(scenario()) as sim:
        code = main(["kill", "--config", str(write_config(tmp_path, sim.url))])
        log = sim.log()
    assert code == 2
    assert "--yes" in capsys.readouterr().err
    assert log == []  # refused before touching the exchange


def test_dry_run_prints_the_plan_and_places_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with run_sim(scenario()) as sim:
        code = main(["kill", "--dry-run", "--config", str(write_config(tmp_path, sim.url))])
        methods = {e["method"] for e in sim.log()}
    out = capsys.readouterr().out
    assert code == 1  # exposure found, nothing done
    assert "close long 0.05 BTC/USDT:USDT" in out
    assert "sell 1 ETH" in out
    assert methods == {"GET"}
    assert not (tmp_path / "state" / "HALTED").exists()


def test_yes_kills_and_exits_0_when_flat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with run_sim(scenario()) as sim:
        code = main(["kill", "--yes", "--no-halt", "-c", str(write_config(tmp_path, sim.url))])
        state = sim.state()["accounts"]["main"]
    assert code == 0, capsys.readouterr()
    assert state["positions"] == []
    assert "main: flat" in capsys.readouterr().out
    assert json.dumps(state).count('"ETH"') == 1  # ETH only as a zero balance row


def test_unknown_account_is_a_usage_error(tmp_path: Path) -> None:
    with run_sim(scenario()) as sim:
        code = main(
            ["kill", "--yes", "--account", "nope", "-c", str(write_config(tmp_path, sim.url))]
        )
    assert code == 2


def test_unreachable_exchange_exits_3(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    text = config.read_text().replace("deadline_s = 15", "deadline_s = 1.5")
    config.write_text(text)
    assert main(["kill", "--yes", "--no-halt", "-c", str(config)]) == 3
