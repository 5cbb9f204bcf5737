"""`botguard kill`: Kill switch: halt the bot, cancel every order, flatten, verify flat."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.kill.report import KillReport


def _confirm(cfg: Config, accounts: list[str] | None, flatten: bool, console: Console) -> bool:
    """Show the plan (read-only) and ask; no TTY means no answer, so a usage error."""
    import asyncio

    from botguard.kill import kill
    from botguard.kill.report import render

    if not sys.stdin.isatty():
        raise UsageError("botguard kill needs --yes when not run from a terminal")
    plan = asyncio.run(kill(cfg, accounts=accounts, dry_run=True, flatten=flatten))
    render(plan, console)
    return typer.confirm("Halt the bot and carry out this plan?", default=False)


@app.command("kill")
def kill_command(  # noqa: PLR0913 - one parameter per documented flag
    config: ConfigOption = None,
    account: Annotated[
        list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; touch nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    no_flatten: Annotated[
        bool, typer.Option("--no-flatten", help="Cancel orders only; keep positions and assets.")
    ] = False,
    no_halt: Annotated[
        bool, typer.Option("--no-halt", help="Do not raise the halt flag or stop the bot.")
    ] = False,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline", min=0.1, max=3600, help="Seconds to get flat (default: kill.deadline_s)."
        ),
    ] = None,
) -> int:
    """Kill switch: halt the bot, cancel every order, flatten, verify flat."""
    if yes and not dry_run:  # a running `botguard watch` has warm venues: kill there
        from botguard.guardian.client import try_guardian

        code = try_guardian(config, account, flatten=not no_flatten, halt=not no_halt,
                            deadline_s=deadline)  # fmt: skip
        if code is not None:
            return code
    import asyncio

    from botguard.config import load_config
    from botguard.kill import kill
    from botguard.kill.report import render
    from botguard.secrets.console import make_console

    cfg = load_config(config)
    if not cfg.account:
        raise ConfigError(f"{cfg.path}: no [[account]] to kill; add one (see `botguard init`)")
    console = make_console()  # piped: whole lines, not 80 columns
    names = list(account) if account else None
    if not dry_run and not yes and not _confirm(cfg, names, not no_flatten, console):
        console.print("not confirmed: nothing done")
        return 1
    from botguard.cli.progress import kill_progress

    with kill_progress(cfg.state.dir, deadline or cfg.kill.deadline_s):  # a terminal only
        report: KillReport = asyncio.run(
            kill(
                cfg,
                accounts=names,
                dry_run=dry_run,
                flatten=not no_flatten,
                halt=not no_halt,
                deadline_s=deadline,
                reason="botguard kill",
            )
        )
    render(report, console)
    _say_what_is_left(report, dry_run=dry_run)
    if not dry_run:
        from botguard.alerts import alert_kill

        asyncio.run(alert_kill(cfg, report, reason="botguard kill"))
    return report.exit_code


def _say_what_is_left(report: KillReport, *, dry_run: bool) -> None:
    """One stderr line per problem: a bot that may still run, accounts not flat."""
    from botguard.kill.report import problem_lines

    for line in problem_lines(report, dry_run=dry_run):
        typer.echo(f"botguard: {line}", err=True)
