"""The typer application and the options every command shares.

Command modules import `app` from here and register themselves; they keep heavy
imports (ccxt, aiohttp) inside the command function so that `botguard kill`
starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.formats import Format

app = typer.Typer(
    name="botguard",
    help="Secure a crypto trading bot: audit the checklist, find leaked keys, kill switch.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # never show locals: they hold secrets
    context_settings={"help_option_names": ["-h", "--help"]},
)
secrets_app = typer.Typer(help="Resolve and inspect the configured secret references.")
app.add_typer(secrets_app, name="secrets")


OutputFormat = Format
"""Formats for commands that produce reports: the renderers' own enum, not a copy."""


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="BOTGUARD_CONFIG",
        help="botguard.toml to use (default: ./botguard.toml, or $BOTGUARD_CONFIG).",
        show_default=False,
    ),
]
VerboseOption = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        help="Log to stderr: -v info, -vv debug, -vvv ccxt too.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
]


def _print_version(value: bool) -> None:
    if value:
        from botguard import __version__

        typer.echo(f"botguard {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print botguard's version and exit.",
        ),
    ] = False,
    verbose: VerboseOption = 0,
) -> None:
    """Secure a crypto trading bot: audit the checklist, find leaked keys, kill switch."""
    from botguard.cli.verbosity import configure_logging

    ctx.call_on_close(configure_logging(verbose))
