"""`botguard scan`: find the bot's secrets wherever they escaped: files, git history, logs, host."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, OutputOption, app


@app.command("scan")
def scan_command(  # noqa: PLR0913 (one parameter per documented flag)
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Trees to scan (default: the bot's workdir from the config, or .)."),
    ] = None,
    config: ConfigOption = None,
    history: Annotated[
        bool, typer.Option("--history", help="Also scan git history: all refs, stash, reflog.")
    ] = False,
    staged: Annotated[
        bool, typer.Option("--staged", help="Scan only what `git commit` would add (hook).")
    ] = False,
    logs: Annotated[
        bool,
        typer.Option("--logs", help="Also scan the config's bot logs, rotated and gzipped too."),
    ] = False,
    log: Annotated[
        list[str] | None, typer.Option("--log", help="A log glob to scan (repeatable).")
    ] = None,
    host: Annotated[
        bool, typer.Option("--host", help="Also scan histories, crontabs, units, cmdlines.")
    ] = False,
    root: Annotated[
        Path, typer.Option("--root", help="Filesystem root for --host (fixture trees).")
    ] = Path("/"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Suppress findings accepted in FILE.")
    ] = None,
    write_baseline: Annotated[
        Path | None, typer.Option("--write-baseline", help="Accept all current findings.")
    ] = None,
    output: OutputOption = None,
    min_confidence: Annotated[
        str, typer.Option("--min-confidence", help="Hide pattern hits below: low, medium, high.")
    ] = "medium",
    no_patterns: Annotated[
        bool, typer.Option("--no-patterns", help="Known values only, no patterns.")
    ] = False,
) -> int:
    """Find the bot's secrets wherever they escaped: files, git history, logs, host.

    Known values come from the config's secret references (exact, in raw, URL,
    base64, hex, JSON and truncated forms); without a config, patterns only.
    Exit codes: 0 nothing found, 1 a leak was found, 2 usage or config error,
    3 nothing found but the scan is incomplete (a file too large or unreadable,
    a log cut at its cap, a glob stopped at its bound: all listed).
    """
    from botguard.cli.scanning import scan

    return scan(
        paths=paths,
        config=config,
        history=history,
        staged=staged,
        logs=logs,
        log=log,
        host=host,
        root=root,
        fmt=fmt,
        baseline=baseline,
        write_baseline=write_baseline,
        output=output,
        min_confidence=min_confidence,
        no_patterns=no_patterns,
    )
