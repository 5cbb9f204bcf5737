"""`botguard kill`: Kill switch: halt the bot, cancel every order, flatten, verify flat."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.kill.report import KillReport


@dataclass(slots=True)
class GuardianKill:
    """The flags of a plain `botguard kill --yes ...`, read before typer parses them."""

    config: Path | None = None
    accounts: list[str] = field(default_factory=list)
    flatten: bool = True
    halt: bool = True
    deadline_s: float | None = None
    yes: bool = False


_TRIED = {"guardian": False}
"""Whether `early_kill` already asked a guardian, so `kill_command` does not ask again."""
_VALUED = {"-c": "config", "--config": "config", "-a": "account", "--account": "account",
           "--deadline": "deadline"}  # fmt: skip
_SWITCHES = {"-y": "yes", "--yes": "yes", "--no-flatten": "no_flatten", "--no-halt": "no_halt"}


def plain_kill_flags(args: list[str]) -> GuardianKill | None:
    """`kill`'s arguments when they are only the documented flags, spelt plainly, with
    --yes and without --dry-run; else None, and typer parses (and reports) them."""
    flags = GuardianKill()
    rest = iter(args)
    for arg in rest:
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _SWITCHES and not eq:
            _switch(flags, _SWITCHES[name])
            continue
        value = inline if eq else next(rest, None)
        if name not in _VALUED or value is None or value.startswith("-") or not value:
            return None
        if not _take(flags, _VALUED[name], value):
            return None
    return flags if flags.yes else None


def _switch(flags: GuardianKill, which: str) -> None:
    if which == "yes":
        flags.yes = True
    elif which == "no_flatten":
        flags.flatten = False
    else:
        flags.halt = False


def _take(flags: GuardianKill, which: str, value: str) -> bool:
    """Store one option's value; False when typer would refuse it (it then says why)."""
    if which == "config":
        flags.config = Path(value)
    elif which == "account":
        flags.accounts.append(value)
    else:
        try:
            deadline = float(value)
        except ValueError:
            return False
        if not (math.isfinite(deadline) and 0.1 <= deadline <= 3600):  # --deadline's range
            return False
        flags.deadline_s = deadline
    return True


def early_kill(argv: list[str]) -> int | None:
    """`botguard kill --yes` hands over to a running guardian before typer parses.

    Typer imports pydantic and builds an adapter per parameter before any command runs:
    about 0.1 s of a kill whose point is to start within milliseconds in the guardian's
    warm process. Anything but the plain flags (or no guardian) returns None: typer runs.
    `argv` is the whole command line; each call starts afresh (tests call main() often).
    """
    _TRIED["guardian"] = False
    flags = plain_kill_flags(argv[1:]) if argv[:1] == ["kill"] else None
    if flags is None:
        return None
    from botguard.guardian.client import try_guardian

    _TRIED["guardian"] = True
    return try_guardian(flags.config, flags.accounts or None, flatten=flags.flatten,
                        halt=flags.halt, deadline_s=flags.deadline_s)  # fmt: skip


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
    if yes and not dry_run and not _TRIED["guardian"]:  # a running `botguard watch`: kill there
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

    signals = _finish_first(cfg, deadline) if not dry_run else nullcontext()
    with kill_progress(cfg.state.dir, deadline or cfg.kill.deadline_s), signals:
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


@contextmanager
def _finish_first(cfg: Config, deadline_s: float | None) -> Iterator[None]:
    """Ctrl-C or SIGTERM during the kill: it finishes first (by its deadline), saying so;
    a second one abandons it at once, saying what it did, exit 3 (kill.interrupt)."""
    from botguard.kill.interrupt import StopSignals, finish_first, kill_bound

    until: list[float] = [kill_bound(deadline_s or cfg.kill.deadline_s, cfg.kill.grace_s)]
    busy = [lambda: until[0] if until else None]
    signals = StopSignals(cfg.state.dir, busy=busy, first=finish_first).install()
    try:
        yield
    finally:
        until.clear()
        signals.close()


def _say_what_is_left(report: KillReport, *, dry_run: bool) -> None:
    """One stderr line per problem: a bot that may still run, accounts not flat."""
    from botguard.kill.report import problem_lines

    for line in problem_lines(report, dry_run=dry_run):
        typer.echo(f"botguard: {line}", err=True)
