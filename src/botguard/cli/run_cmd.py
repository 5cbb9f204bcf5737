"""`botguard run`: the pre-flight gate, then the bot with its secrets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.findings import Finding
    from botguard.harden import runner
    from botguard.harden.gate import GateResult
    from botguard.kill.freqtrade import FreqtradeApi


class SecretsTo(StrEnum):
    """Where `run` puts the secrets for the bot."""

    ENV = "env"
    DIR = "dir"


AllowOption = Annotated[
    list[str] | None,
    typer.Option("--allow", help="Start even though this check id fails (repeatable)."),
]


@app.command("run", context_settings={"allow_interspersed_args": False}, no_args_is_help=False)
def run_cmd_command(
    command: Annotated[
        list[str] | None, typer.Argument(help="The bot's command (default: bot.command).")
    ] = None,
    config: ConfigOption = None,
    allow: AllowOption = None,
    check: Annotated[
        bool, typer.Option("--check", help="Run the gate only; exit 0 if the bot may start.")
    ] = False,
    secrets_to: Annotated[
        SecretsTo,
        typer.Option("--secrets", help="env: as variables; dir: files in $CREDENTIALS_DIRECTORY."),
    ] = SecretsTo.ENV,
    root: Annotated[
        Path, typer.Option("--root", help="Host tree the audit's host checks read.")
    ] = Path("/"),
) -> int:
    """Pre-flight gate: audit, then start the bot with its secrets (`run -- CMD...`)."""
    import asyncio

    from botguard.cli.paths import existing_dir
    from botguard.config import load_config
    from botguard.harden import gate, runner
    from botguard.harden.creds_dir import remove_stale_credentials
    from botguard.harden.pidfile import check_pidfile_dir

    existing_dir(root, option="--root")
    cfg = load_config(config)
    remove_stale_credentials()
    allowed = gate.check_allow_ids(allow or [])
    argv = [] if check else runner.child_argv(cfg, command or [])
    if cfg.bot.pidfile is not None and not check:
        check_pidfile_dir(cfg.bot.pidfile)
    result = asyncio.run(gate.evaluate_gate(cfg, allow=allowed, root=root))
    _report(result)
    if not result.passed:
        return 1
    if check:
        return 0
    spec = runner.ChildSpec(
        argv=argv,
        secrets=runner.resolve_child_secrets(cfg),
        mode=runner.SecretsMode(secrets_to.value),
        heartbeat=cfg.bot.heartbeat,
        heartbeat_s=runner.heartbeat_interval(cfg),
        source_env=runner.source_env_vars(cfg),
        owner=cfg.bot.user,
        pidfile=cfg.bot.pidfile,
        state_dir=cfg.state.dir,
        grace_s=cfg.kill.grace_s,
    )
    spec.framework_api = _framework_api(cfg, spec)
    _announce(spec)
    return asyncio.run(runner.supervise(spec))


def _framework_api(cfg: Config, spec: runner.ChildSpec) -> FreqtradeApi | None:
    """freqtrade's API (its password may be a secret handed to it), or None."""
    if cfg.bot.framework != "freqtrade":
        return None
    import os

    from botguard.kill.freqtrade import api_of

    handed = {n: s.reveal() for n, s in spec.secrets.items() if n.startswith("FREQTRADE__")}
    api = api_of(cfg, env={**os.environ, **handed})
    return None if isinstance(api, str) else api


def _announce(spec: runner.ChildSpec) -> None:
    """Say what is handed over, by name only."""
    from rich.console import Console
    from rich.markup import escape

    names = ", ".join(spec.secrets) or "none"
    where = "environment" if spec.mode.value == "env" else "$CREDENTIALS_DIRECTORY"
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"starting {escape(spec.argv[0])}; secrets in its {where}: {names}"
    )


def _report(result: GateResult) -> None:
    """The verdict on stderr, so the bot's own stdout stays clean."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if result.halted is not None:
        halted = escape(result.halted)
        err.print(f"[bold red]refusing to start: the halt flag is raised[/]: {halted}")
        err.print("Remove the flag file once the cause is found and fixed; then start again.")
        return
    _print_findings(err, "refusing to start", "red", result.blocking)
    _print_findings(err, "allowed by --allow", "yellow", result.allowed)
    if result.passed:
        err.print(f"[green]gate passed[/]: {len(result.findings)} checks, none blocking")
    else:
        err.print("Fix these, or start anyway with --allow ID for each (not recommended).")


def _print_findings(err: Console, title: str, colour: str, findings: list[Finding]) -> None:
    from rich.markup import escape

    for finding in findings:
        line = f"{finding.id} ({finding.status.value}) on {finding.subject}: {finding.evidence}"
        err.print(f"[{colour}]{title}[/]: {escape(line)}")
        if finding.remedy:
            err.print(f"    fix: {escape(finding.remedy)}")
