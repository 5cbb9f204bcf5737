"""`botguard fleet kill|status|resume`: one signed command for every guardian (NATS JetStream)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from botguard.config import Config, FleetConfig
    from botguard.fleet.command import Action

fleet_app = typer.Typer(help="Halt every guardian of a fleet with one signed command (NATS).")
app.add_typer(fleet_app, name="fleet")

GroupOption = Annotated[
    str | None, typer.Option("--group", "-g", help="Only the hosts in this [fleet] group.")
]
HostOption = Annotated[str | None, typer.Option("--host", help="Only this host.")]
DeadlineOption = Annotated[
    float,
    typer.Option("--deadline", min=1, max=3600, help="Seconds to wait for every host's answer."),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _fleet(config: Config) -> FleetConfig:
    if config.fleet is None:
        raise ConfigError(f"{config.path}: no [fleet] section; see the README's Fleet section")
    return config.fleet


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("botguard fleet needs --yes when not run from a terminal")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


def _issue(config: Config, action: Action, target: str, deadline: float) -> int:
    import asyncio

    from rich.console import Console

    from botguard.fleet.operator import issue

    console = Console(stderr=True)

    def show(states: dict[str, str]) -> None:
        console.print(live_line(states))

    outcome = asyncio.run(issue(_fleet(config), target, action, deadline_s=deadline, show=show))
    _table(outcome.states)
    typer.echo(f"answered in {outcome.answered_s:.2f} s after the command was stored", err=True)
    if not outcome.states:
        typer.echo("botguard: no registered host is targeted by this command", err=True)
    return outcome.exit_code


def live_line(states: dict[str, str]) -> str:
    """One line per change: every host's state, or counts per state past 20 hosts."""
    if len(states) > LIVE_HOSTS:
        counts: dict[str, int] = {}
        for state in states.values():
            counts[state] = counts.get(state, 0) + 1
        return "  ".join(f"{state}: {n}" for state, n in sorted(counts.items()))
    return "  ".join(f"{h}: {s}" for h, s in states.items()) or "no hosts"


LIVE_HOSTS = 20


def _table(states: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("host", "state")
    for host, state in states.items():
        table.add_row(host, state)
    Console().print(table)


@fleet_app.command("kill")
def fleet_kill(
    config: ConfigOption = None,
    group: GroupOption = None,
    host: HostOption = None,
    deadline: DeadlineOption = 60.0,
    yes: YesOption = False,
) -> int:
    """Halt every guardian's bot (or a group's): signed, stored, obeyed on reconnect.

    Exit codes: 0 every targeted host verified flat, 1 residual exposure, 3 a host
    stayed silent past --deadline or could not reach its exchange.
    """
    from botguard.config import load_config
    from botguard.fleet.command import Action, target_for

    loaded = load_config(config)
    target = target_for(group, host)
    _confirm(f"Halt every bot in {target} and flatten its accounts?", yes)
    return _issue(loaded, Action.HALT, target, deadline)


@fleet_app.command("resume")
def fleet_resume(
    config: ConfigOption = None,
    group: GroupOption = None,
    host: HostOption = None,
    deadline: DeadlineOption = 30.0,
    yes: YesOption = False,
) -> int:
    """Clear a fleet halt (signed too): each guardian lowers its halt flag."""
    from botguard.config import load_config
    from botguard.fleet.command import Action, target_for

    loaded = load_config(config)
    target = target_for(group, host)
    _confirm(f"Clear the halt on {target}?", yes)
    return _issue(loaded, Action.RESUME, target, deadline)


@fleet_app.command("status")
def fleet_status(config: ConfigOption = None) -> int:
    """List the hosts: heartbeat age, state, halt flag, last answer."""
    import asyncio

    from rich.console import Console
    from rich.table import Table

    from botguard.config import load_config
    from botguard.fleet.operator import status

    hosts = asyncio.run(status(_fleet(load_config(config))))
    table = Table("host", "groups", "heartbeat", "state", "halted", "last exit")
    for name, s in sorted(hosts.items()):
        exit_code = "" if s.exit_code is None else str(s.exit_code)
        table.add_row(name, ",".join(s.groups), f"{s.age_s():.0f} s ago", s.state,
                      "yes" if s.halted else "no", exit_code)  # fmt: skip
    Console().print(table)
    return 0
