"""`botguard drill`: Run the kill switch end to end against the simulator and record it.

With no live exposure readable (a key not filled in yet, an exchange out of
reach) a newcomer still wants to see the drill: the built-in scenario runs
instead, labelled as such and journaled as kind 'scenario-drill', which
`kill.drilled_recently` does not count (it reads kind 'drill' only). The exit
code stays the real failure's, so scripts see that the drill of the real
accounts did not happen.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.errors import BotguardError
    from botguard.kill.report import KillReport

SCENARIO_KIND = "scenario-drill"
"""Journal kind of a drill on the built-in scenario; kill.drilled_recently ignores it."""
UNREADABLE = "drill: cannot read the accounts' exposure"
"""How kill.drill words a failed live read (its VenueError), as opposed to a failed kill."""


@app.command("drill")
def drill_command(
    config: ConfigOption = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Sim scenario to drill against [default: the live accounts' exposure, read only].",
        ),
    ] = None,
) -> int:
    """Run the kill switch end to end against the simulator and record it."""
    import asyncio

    from botguard.config import load_config
    from botguard.errors import SecretError, VenueError
    from botguard.kill.drill import run_drill
    from botguard.secrets.console import make_console

    cfg = load_config(config)
    console = make_console()
    try:
        report = asyncio.run(run_drill(cfg, scenario))
    except (SecretError, VenueError) as exc:
        if scenario is not None or not _live_read_failed(exc):
            raise
        raise _scenario_instead(cfg, console, exc) from None
    _print(report, console, "drill")
    if report.exit_code == 0:
        console.print("next: `botguard status` shows the drill; kill.drilled_recently passes")
    return report.exit_code


def _live_read_failed(exc: BotguardError) -> bool:
    from botguard.errors import SecretError

    return isinstance(exc, SecretError) or str(exc).startswith(UNREADABLE)


def _print(report: KillReport, console: Console, label: str) -> None:
    from botguard.kill.report import render

    render(report, console)
    timings = ", ".join(f"{k} {v:.2f}s" for k, v in sorted(report.timings.items()))
    console.print(f"{label} {report.status} ({timings}); recorded in the journal", markup=False)


def _scenario_instead(cfg: Config, console: Console, cause: BotguardError) -> BotguardError:
    """Run the built-in scenario drill, journal it apart, and return the error to raise."""
    import asyncio

    from botguard.errors import ConfigError, SecretError, VenueError
    from botguard.journal import Journal
    from botguard.kill.drill import run_drill

    console.print(
        "drill: cannot read your accounts' live exposure (why, and the fix: the last line).\n"
        "Running the built-in scenario instead: a SCENARIO DRILL on the simulator, not your "
        "accounts; it does not count for kill.drilled_recently.",
        markup=False,
    )
    with tempfile.TemporaryDirectory(prefix="botguard-scenario-") as scratch:
        path = Path(scratch) / "scenario.toml"
        path.write_text(builtin_scenario(cfg), encoding="utf-8")
        scratch_cfg = _on_the_sim(cfg, Path(scratch) / "state")
        report = asyncio.run(run_drill(scratch_cfg, path))
    _print(report, console, "scenario drill")
    with Journal(cfg.state.dir) as journal:
        run_id = f"{SCENARIO_KIND}-{report.run_id}"
        journal.start_run(run_id, SCENARIO_KIND)
        journal.finish_run(run_id, report.status, {**report.summary(), "scenario": "built-in"})
    fix = (
        "`botguard secrets check`"
        if isinstance(cause, SecretError)
        else "the exchange (base_url, network)"
    )
    message = (
        f"drill: {cause}; the scenario drill above does not count: fix {fix}, "
        "then `botguard drill` again"
    )
    return ConfigError(message) if isinstance(cause, SecretError) else VenueError(message)


def _on_the_sim(cfg: Config, state: Path) -> Config:
    """The config for the scenario: scratch state (its journal), every account on Binance's
    wire protocol (the sim's) with no secret of its own to resolve."""
    cleared = {"exchange": "binance", "password": None, "uid": None, "private_key": None}
    accounts = [a.model_copy(update=cleared) for a in cfg.account]
    state_cfg = cfg.state.model_copy(update={"dir": state})
    return cfg.model_copy(update={"account": accounts, "state": state_cfg})


def builtin_scenario(cfg: Config) -> str:
    """A scenario TOML with one funded account per configured one: spot balances and a
    resting order, and a perpetual position where the account trades swaps."""
    parts = ['[prices]\n"BTC/USDT" = "60000"\n"ETH/USDT" = "3000"\n"BTC/USDT:USDT" = "60000"\n']
    for i, account in enumerate(cfg.account):
        parts.append(
            f'[[account]]\nname = "{account.name}"\n'
            f'api_key = "scenario-key-{i:04d}-0123456789"\n'
            f'secret = "scenario-secret-{i:04d}-0123456789"\n'
            '[account.spot]\nUSDT = "10000"\nBTC = "0.05"\nETH = "1"\n'
            '[account.futures]\nUSDT = "10000"\n'
            '[[account.orders]]\nsymbol = "BTC/USDT"\nside = "buy"\ntype = "limit"\n'
            'amount = "0.01"\nprice = "50000"\n'
        )
        if "swap" in account.markets:
            parts.append(
                '[[account.positions]]\nsymbol = "BTC/USDT:USDT"\nside = "long"\n'
                'amount = "0.01"\nentry_price = "59000"\n'
            )
    return "\n".join(parts)
