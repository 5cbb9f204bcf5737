"""Kill options are typed: a misspelt option is a TypeError, never a live kill."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from botguard.halt import is_halted
from botguard.kill import KillOptions, KillSwitch, kill
from botguard.testing.sim import start_sim

from .conftest import bg_account, make_config, sim_account

ORDER = {"symbol": "BTC/USDT", "side": "buy", "type": "limit", "amount": "0.01", "price": "50000"}


def writes(log: list[dict[str, object]]) -> list[object]:
    return [e["path"] for e in log if e["method"] in ("POST", "DELETE", "PUT")]


@pytest.mark.sim
async def test_a_misspelt_trigger_option_raises_and_touches_nothing(tmp_path: Path) -> None:
    async with start_sim({"account": [sim_account(orders=[ORDER])]}) as sim:
        config = make_config(tmp_path, [bg_account(sim.url, markets=["spot"])])
        async with KillSwitch(config) as switch:
            with pytest.raises(TypeError, match="dryrun"):
                await switch.trigger("typo", dryrun=True)  # type: ignore[call-arg]
            planned = await switch.trigger("look first", dry_run=True)
        log = sim.log()
        orders = sim.state()["accounts"]["main"]["open_orders"]
    assert writes(log) == []
    assert len(orders) == 1
    assert not is_halted(config.state.dir)
    assert planned.dry_run
    assert planned.exit_code == 1  # exposure found, nothing done


async def test_kill_and_killswitch_reject_unknown_keywords(tmp_path: Path) -> None:
    config = make_config(tmp_path, [bg_account("http://127.0.0.1:9", markets=["spot"])])
    with pytest.raises(TypeError):
        await kill(config, dryrun=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        KillSwitch(config, acounts=["main"])  # type: ignore[call-arg]
    assert not is_halted(config.state.dir)


def test_kill_options_are_frozen_and_keyword_only() -> None:
    opts = KillOptions(reason="drawdown", dry_run=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.dry_run = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        KillOptions("drawdown")  # type: ignore[misc]
    with pytest.raises(TypeError):
        KillOptions(dryrun=True)  # type: ignore[call-arg]
    assert KillOptions().dry_run is False
    assert KillOptions().halt is True


@pytest.mark.parametrize("deadline_s", [0.0, -1.0, float("nan"), float("inf")])
def test_a_deadline_that_is_not_a_positive_number_is_refused(deadline_s: float) -> None:
    with pytest.raises(ValueError, match="deadline_s"):
        KillOptions(deadline_s=deadline_s)
