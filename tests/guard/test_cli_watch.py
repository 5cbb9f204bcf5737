"""`botguard watch --once` through the CLI's main(), against a sim in a thread."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.journal import Journal
from botguard.testing.sim import run_sim

from .conftest import BTC, scenario

pytestmark = [pytest.mark.sim, pytest.mark.usefixtures("canary_env")]


def write_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
heartbeat = "heartbeat"

[state]
dir = "state"

[[account]]
name = "main"
exchange = "binanceusdm"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["swap"]
base_url = "{url}"

[guard]
symbols = ["{BTC}"]
heartbeat_max_age_s = 60
{extra}
""",
        encoding="utf-8",
    )
    (tmp_path / "heartbeat").touch()
    return path


def test_once_with_nothing_wrong_exits_0(tmp_path: Path) -> None:
    with run_sim(scenario()) as sim:
        assert main(["watch", "--once", "--config", str(write_config(tmp_path, sim.url))]) == 0


def test_once_with_a_stale_heartbeat_trips_and_exits_1(tmp_path: Path) -> None:
    positions = [{"symbol": BTC, "side": "short", "amount": 1, "entry_price": 20_000}]
    with run_sim(scenario(positions=positions)) as sim:
        config = write_config(tmp_path, sim.url)
        old = time.time() - 600
        os.utime(tmp_path / "heartbeat", (old, old))

        assert main(["watch", "--once", "--config", str(config)]) == 1

        assert sim.state()["accounts"]["main"]["positions"] == []
    with Journal(tmp_path / "state") as journal:
        assert [e["detail"]["rule"] for e in journal.events("trip")] == ["heartbeat"]


def test_unreachable_exchange_exits_3(tmp_path: Path, unused_tcp_port: int) -> None:
    config = write_config(tmp_path, f"http://127.0.0.1:{unused_tcp_port}")
    assert main(["watch", "--once", "--config", str(config)]) == 3


def test_config_without_accounts_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "botguard.toml"
    path.write_text('[bot]\nname = "gridbot"\n', encoding="utf-8")
    assert main(["watch", "--once", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "no [[account]] to watch" in err
    assert "Traceback" not in err
