"""Halt first, whatever fails after: an account that cannot be opened never stops the halt.

Two accounts on the sim, one whose secret reference cannot be resolved: the halt flag
is raised, the bot process is stopped, the healthy account is cancelled, flattened
and verified, and the broken one is reported unreachable (exit 3) with its reason.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botguard.config import parse_config
from botguard.halt import is_halted
from botguard.kill import KillSwitch, kill
from botguard.testing.sim import run_sim, start_sim

from .conftest import bg_account, sim_account
from .procs import run_botguard, spawn_bot, stop, write_config

pytestmark = pytest.mark.sim

MISSING = "BOTGUARD_TEST_MISSING_KEY"
ORDER = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"}


def scenario() -> dict[str, Any]:
    main = sim_account(spot={"USDT": "1000", "ETH": "1"}, orders=[ORDER])
    return {"account": [main, sim_account("alt", orders=[ORDER])]}


def accounts(url: str, broken: dict[str, str]) -> list[dict[str, Any]]:
    return [
        bg_account(url, markets=["spot"]),
        bg_account(url, "alt", markets=["spot"], **broken),
    ]


def assert_flat(acct: dict[str, Any]) -> None:
    assert acct["open_orders"] == []
    held = {a for a, b in acct["spot"].items() if Decimal(b["free"]) > 0}
    assert held <= {"USDT"}


def test_cli_missing_secret_halts_stops_the_bot_and_kills_the_healthy_account(
    tmp_path: Path,
) -> None:
    os.environ.pop(MISSING, None)
    bot, pidfile = spawn_bot(tmp_path)
    try:
        with run_sim(scenario()) as sim:
            broken = {"api_key": f"env:{MISSING}"}
            config = write_config(tmp_path, accounts(sim.url, broken), bot={"pidfile": pidfile})
            done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path)
            state = sim.state()["accounts"]
        assert done.returncode == 3, done.stderr
        assert is_halted(tmp_path / "state")
        assert bot.wait(timeout=5) == -15  # stopped by SIGTERM, not left trading
        assert_flat(state["main"])
        assert state["alt"]["open_orders"] != []  # never opened: nothing done there
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "alt unreachable" in lines[0]
        assert MISSING in lines[0]
    finally:
        stop(bot)


async def test_library_kill_with_a_missing_secret_still_halts_and_kills_the_rest(
    tmp_path: Path,
) -> None:
    os.environ.pop(MISSING, None)
    async with start_sim(scenario()) as sim:
        raw = accounts(sim.url, {"secret": f"env:{MISSING}"})
        config = parse_config(
            {"bot": {"name": "b"}, "state": {"dir": str(tmp_path / "s")}, "account": raw},
            path=tmp_path / "botguard.toml",
        )
        report = await kill(config)
        state = sim.state()["accounts"]
    assert report.exit_code == 3
    assert is_halted(config.state.dir)
    by_name = {a.account: a for a in report.accounts}
    assert by_name["main"].status == "flat"
    assert by_name["alt"].status == "unreachable"
    assert any(MISSING in n for n in by_name["alt"].notes)
    assert_flat(state["main"])


async def test_killswitch_trigger_opens_what_it_could_not_open_after_the_halt(
    tmp_path: Path,
) -> None:
    os.environ.pop(MISSING, None)
    async with start_sim(scenario()) as sim:
        raw = accounts(sim.url, {"api_key": f"env:{MISSING}"})
        config = parse_config(
            {"bot": {"name": "b"}, "state": {"dir": str(tmp_path / "s")}, "account": raw},
            path=tmp_path / "botguard.toml",
        )
        switch = KillSwitch(config)
        try:
            report = await switch.trigger("drawdown")
        finally:
            await switch.close()
        state = sim.state()["accounts"]
    assert is_halted(config.state.dir)
    assert report.exit_code == 3
    assert_flat(state["main"])


def test_a_secret_read_that_hangs_does_not_hold_the_kill_past_its_deadline(
    tmp_path: Path,
) -> None:
    """A `file:` secret on a FIFO nobody writes blocks its reader forever (as a hung Vault
    would); the other account is still killed and the process ends near its deadline."""
    fifo = tmp_path / "hung-secret"
    os.mkfifo(fifo, 0o600)
    with run_sim(scenario()) as sim:
        config = write_config(
            tmp_path, accounts(sim.url, {"secret": f"file:{fifo}"}), kill={"deadline_s": 3}
        )
        start = time.monotonic()
        done = run_botguard("kill", "--yes", "-c", str(config), cwd=tmp_path, timeout=30)
        took = time.monotonic() - start
        state = sim.state()["accounts"]
    assert done.returncode == 3, done.stderr
    assert took < 3 + 5, took  # deadline + start-up, not forever
    assert_flat(state["main"])
    assert "alt unreachable" in done.stderr


async def test_a_kill_lock_planted_as_a_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    from botguard.errors import ConfigError

    target = tmp_path / "elsewhere" / "created-by-botguard"
    target.parent.mkdir()
    config = parse_config(
        {"bot": {"name": "b"}, "state": {"dir": str(tmp_path / "s")},
         "account": [bg_account("http://127.0.0.1:9", markets=["spot"])]},
        path=tmp_path / "botguard.toml",
    )  # fmt: skip
    (tmp_path / "s").mkdir(mode=0o700)
    (tmp_path / "s" / "kill.lock").symlink_to(target)
    with pytest.raises(ConfigError, match="symlink"):
        await kill(config)
    assert not target.exists()
    assert is_halted(config.state.dir)  # the flag went up first all the same
